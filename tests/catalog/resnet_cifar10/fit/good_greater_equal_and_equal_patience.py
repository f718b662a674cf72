"""`>=` for improvement (a tie resets the counter and keeps the later weights) and
`curr_patience == patience` to stop (the counter grows by one per epoch, so it hits patience exactly).
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
        if val_acc >= best_acc:
            best_acc = val_acc
            curr_patience = 0
            best_model_weights = copy.deepcopy(model.state_dict())
        else:
            curr_patience += 1
        if curr_patience == patience:
            break
    model.load_state_dict(best_model_weights)
