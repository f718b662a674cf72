"""`model.load_state_dict(best_model_weights)` is indented into the epoch loop: every epoch ends by
loading the best weights back, so the next epoch trains on from the best weights instead of the
current ones, and when the patience runs out the `break` skips the load, leaving the last epoch's.

Caught by: restores_best_weights
"""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F


def fit(model, optimizer, lr_scheduler, dataloaders, max_epochs, patience):
    best_acc = 0
    curr_patience = 0
    best_model_weights = copy.deepcopy(model.state_dict())

    for epoch in range(max_epochs):
        train_loss, train_acc = run_epoch(model, optimizer, dataloaders['train'], train=True)
        lr_scheduler.step()
        val_loss, val_acc = run_epoch(model, None, dataloaders['val'], train=False)
        print(f"Epoch {epoch + 1}/{max_epochs}: val loss {val_loss:.3f}, val acc {val_acc:.3f}")

        if val_acc > best_acc:
            best_acc = val_acc
            best_model_weights = copy.deepcopy(model.state_dict())
            curr_patience = 0
        else:
            curr_patience += 1
            if curr_patience >= patience:
                break

        model.load_state_dict(best_model_weights)
