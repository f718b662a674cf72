"""Also evaluates the test set every epoch "to see how it generalises": the test set is looked at
during development (and could sway every later choice).

Caught by: test_loader_unused
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
        test_loss, test_acc = run_epoch(model, None, dataloaders['test'], train=False)
        print(f"Epoch {epoch + 1}: val {val_acc * 100:.2f}%, test {test_acc * 100:.2f}%")
        if val_acc > best_acc:
            best_acc = val_acc
            best_model_weights = copy.deepcopy(model.state_dict())
            curr_patience = 0
        else:
            curr_patience += 1
            if curr_patience >= patience:
                break
    model.load_state_dict(best_model_weights)
