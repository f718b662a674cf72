"""A while loop with the stop test at the top of the next iteration (same epochs as a break right
after the epoch), a deepcopy of the whole model, whose state_dict is loaded at the end.
"""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F


def fit(model, optimizer, lr_scheduler, dataloaders, max_epochs, patience):
    best_acc = 0.0
    best_model = copy.deepcopy(model)
    waited = 0
    epoch = 0
    while epoch < max_epochs and waited < patience:
        epoch += 1
        train_loss, train_acc = run_epoch(model=model, optimizer=optimizer,
                                          dataloader=dataloaders['train'], train=True)
        lr_scheduler.step()
        val_loss, val_acc = run_epoch(model=model, optimizer=None, dataloader=dataloaders['val'], train=False)
        if val_acc > best_acc:
            best_acc, waited = val_acc, 0
            best_model = copy.deepcopy(model)
        else:
            waited += 1
    model.load_state_dict(best_model.state_dict())
