"""Uses `model.state_dict().copy()` (a new dict, the same tensors): as aliased as no copy at all.

Caught by: restores_best_weights
"""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F


def fit(model, optimizer, lr_scheduler, dataloaders, max_epochs, patience):
    best_acc = 0
    curr_patience = 0
    best_model_weights = copy.copy(model.state_dict())
    for epoch in range(max_epochs):
        train_loss, train_acc = run_epoch(model, optimizer, dataloaders['train'], train=True)
        lr_scheduler.step()
        val_loss, val_acc = run_epoch(model, None, dataloaders['val'], train=False)
        if val_acc > best_acc:
            best_acc = val_acc
            best_model_weights = model.state_dict().copy()
            curr_patience = 0
        else:
            curr_patience += 1
            if curr_patience >= patience:
                break
    model.load_state_dict(best_model_weights)
