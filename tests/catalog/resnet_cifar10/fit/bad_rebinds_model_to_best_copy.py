"""Keeps a deepcopy of the best model and ends with `model = best_model`: that only rebinds the local
name, the caller's model keeps the last epoch's weights.

Caught by: restores_best_weights
"""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F


def fit(model, optimizer, lr_scheduler, dataloaders, max_epochs, patience):
    best_acc = 0
    curr_patience = 0
    best_model = copy.deepcopy(model)
    for epoch in range(max_epochs):
        train_loss, train_acc = run_epoch(model, optimizer, dataloaders['train'], train=True)
        lr_scheduler.step()
        val_loss, val_acc = run_epoch(model, None, dataloaders['val'], train=False)
        if val_acc > best_acc:
            best_acc = val_acc
            best_model = copy.deepcopy(model)
            curr_patience = 0
        else:
            curr_patience += 1
            if curr_patience >= patience:
                break
    model = best_model
    return model
