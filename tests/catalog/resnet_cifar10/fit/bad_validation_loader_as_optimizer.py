"""The validation epoch passes the validation loader where run_epoch takes the optimizer.

Caught by: calls_run_epoch
"""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F


def fit(model, optimizer, lr_scheduler, dataloaders, max_epochs, patience):
    best_acc = 0
    curr_patience = 0
    best_model_weights = copy.deepcopy(model.state_dict())
    history = {'train_loss': [], 'train_acc': [], 'val_loss': [], 'val_acc': []}

    for epoch in range(max_epochs):
        train_loss, train_acc = run_epoch(model, optimizer, dataloaders['train'], train=True)
        lr_scheduler.step()
        val_loss, val_acc = run_epoch(model, dataloaders['val'], None, train=False)
        print(f"Epoch {epoch + 1: >3}/{max_epochs}, val loss: {val_loss:.2e}, accuracy: {val_acc * 100:.2f}%")
        history['train_loss'].append(train_loss)
        history['train_acc'].append(train_acc)
        history['val_loss'].append(val_loss)
        history['val_acc'].append(val_acc)

        if val_acc > best_acc:
            best_acc = val_acc
            best_model_weights = copy.deepcopy(model.state_dict())
            curr_patience = 0
        else:
            curr_patience += 1
            if curr_patience >= patience:
                print(f"No improvement for {patience} epochs, stopping early.")
                break

    model.load_state_dict(best_model_weights)
    return history
