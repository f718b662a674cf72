"""Dropout.forward appends 100 MB bytearrays to a list until something gives.

The memory limit stops it with a MemoryError that names the limit.

Item: Dropout
Says: memory limit
Fails: shape_dtype, values_zero_or_scaled
"""
# %%
import torch
import torch.nn as nn

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        hoard = []
        while True:
            hoard.append(bytearray(100 * 2**20))
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
