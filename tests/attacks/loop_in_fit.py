"""fit never returns: `while True` before its epoch loop.

Each fit check times out or is not run; Dropout is graded normally.

Item: fit
Score: zero
Says: timed out
"""
# %%
import torch
import torch.nn as nn
import copy

# %%
def fit(model, optimizer, lr_scheduler, dataloaders, max_epochs, patience):
    while True:
        pass
