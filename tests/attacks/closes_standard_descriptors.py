"""Dropout.forward closes file descriptors 0, 1 and 2, then returns a correct output.

The worker notices the closed descriptors after the call, fails the check and is
replaced, so later checks and BatchNorm can still print.

Item: Dropout
Says: closed or replaced
Fails: shape_dtype, values_zero_or_scaled
"""
# %%
import torch
import torch.nn as nn
import os

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        for fd in (0, 1, 2):
            os.close(fd)
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
