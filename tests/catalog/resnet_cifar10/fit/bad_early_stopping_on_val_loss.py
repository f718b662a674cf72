"""Early stopping and the saved weights follow the validation loss (as the docstring's "if validation
loss has decreased" suggests), while the text asks for the validation accuracy.

Caught by: stops_after_patience, restores_best_weights
"""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F


def fit(model, optimizer, lr_scheduler, dataloaders, max_epochs, patience):
    best_loss = float('inf')
    curr_patience = 0
    best_model_weights = copy.deepcopy(model.state_dict())
    for epoch in range(max_epochs):
        train_loss, train_acc = run_epoch(model, optimizer, dataloaders['train'], train=True)
        lr_scheduler.step()
        val_loss, val_acc = run_epoch(model, None, dataloaders['val'], train=False)
        if val_loss < best_loss:
            best_loss = val_loss
            best_model_weights = copy.deepcopy(model.state_dict())
            curr_patience = 0
        else:
            curr_patience += 1
            if curr_patience >= patience:
                break
    model.load_state_dict(best_model_weights)
