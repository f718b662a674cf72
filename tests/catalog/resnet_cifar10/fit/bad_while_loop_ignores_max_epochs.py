"""A while loop that only watches the patience counter: with a validation accuracy that keeps
improving it never stops at max_epochs.

Caught by: stops_at_max_epochs
"""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F


def fit(model, optimizer, lr_scheduler, dataloaders, max_epochs, patience):
    best_acc = 0
    curr_patience = 0
    best_model_weights = copy.deepcopy(model.state_dict())
    while curr_patience < patience:
        train_loss, train_acc = run_epoch(model, optimizer, dataloaders['train'], train=True)
        lr_scheduler.step()
        val_loss, val_acc = run_epoch(model, None, dataloaders['val'], train=False)
        if val_acc > best_acc:
            best_acc = val_acc
            best_model_weights = copy.deepcopy(model.state_dict())
            curr_patience = 0
        else:
            curr_patience += 1
    model.load_state_dict(best_model_weights)
