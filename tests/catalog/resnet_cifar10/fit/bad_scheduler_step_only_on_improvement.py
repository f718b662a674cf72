"""Steps the learning-rate scheduler only in epochs where the validation accuracy improved (moved
into the if branch), so the schedule falls behind the epochs.

Caught by: scheduler_steps
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
        val_loss, val_acc = run_epoch(model, None, dataloaders['val'], train=False)
        if val_acc > best_acc:
            best_acc = val_acc
            best_model_weights = copy.deepcopy(model.state_dict())
            curr_patience = 0
            lr_scheduler.step()
        else:
            curr_patience += 1
            if curr_patience >= patience:
                break
    model.load_state_dict(best_model_weights)
