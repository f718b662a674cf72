"""Dropout.forward calls `sys.exit(0)` in training mode.

It ends as a failed check that names what happened; the other checks and items
go on (in a fresh worker when the process died).

Item: Dropout
Says: SystemExit
Fails: shape_dtype, values_zero_or_scaled
"""
# %%
import torch
import torch.nn as nn
import sys

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if self.training:
            sys.exit(0)
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
