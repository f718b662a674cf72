"""Loads the best weights back into the model at the end of every epoch, before the patience test:
the model always ends with the best weights, but every epoch after a worse one trains on from the
best epoch's weights instead of going on from the current ones.

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

        model.load_state_dict(best_model_weights)
        if curr_patience >= patience:
            break
