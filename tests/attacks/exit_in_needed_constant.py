"""Dropout needs KEEP_SCALE, whose defining cell calls sys.exit().

The exit is hidden in a function so that extraction keeps the statement.
the statement ends in SystemExit at load (reported as a cell problem),
Dropout loses its points, the worker survives, BatchNorm is graded normally.

Item: Dropout
Score: zero
Says: KEEP_SCALE
Report: the rest of this notebook is not ready
"""
# %%
import sys
import torch
import torch.nn as nn

# %%
def stop_here():
    sys.exit("the rest of this notebook is not ready")

KEEP_SCALE = stop_here()

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if not self.training:
            return input
        mask = (torch.rand_like(input) > self.p).float()
        return input * mask / (1 - self.p) * KEEP_SCALE
