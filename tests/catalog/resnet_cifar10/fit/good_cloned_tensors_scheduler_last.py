"""Saves the best weights as a dict of cloned tensors (a deep copy by hand) and returns the best
accuracy; steps the scheduler last in the loop, after the early-stopping test, so the epoch that
stops is not followed by a step (which would change nothing).
"""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F


def fit(model, optimizer, lr_scheduler, dataloaders, max_epochs, patience):
    best_acc = float('-inf')
    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    epochs_without_improvement = 0
    for epoch in range(1, max_epochs + 1):
        run_epoch(model, optimizer, dataloaders['train'], True)
        val_loss, val_acc = run_epoch(model, None, dataloaders['val'], False)
        if val_acc > best_acc:
            best_acc = val_acc
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            epochs_without_improvement = 0
        else:
            epochs_without_improvement += 1
        if epochs_without_improvement >= patience:
            print(f"early stopping after epoch {epoch}")
            break
        lr_scheduler.step()
    model.load_state_dict(best_state)
    return best_acc
