"""Saves a deepcopy of the weights after every epoch, not only when the validation accuracy improves
(the save sits outside the `if`), and loads that copy at the end: the model ends with the last
epoch's weights, not the best ones.

Caught by: restores_best_weights
"""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F


def fit(model, optimizer, lr_scheduler, dataloaders, max_epochs, patience):
    best_acc = 0
    curr_patience = 0

    for epoch in range(max_epochs):
        train_loss, train_acc = run_epoch(model, optimizer, dataloaders['train'], train=True)
        lr_scheduler.step()
        val_loss, val_acc = run_epoch(model, None, dataloaders['val'], train=False)

        if val_acc > best_acc:
            best_acc = val_acc
            curr_patience = 0
        else:
            curr_patience += 1
        best_model_weights = copy.deepcopy(model.state_dict())

        if curr_patience >= patience:
            break

    model.load_state_dict(best_model_weights)
