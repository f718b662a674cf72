"""Dropout.forward creates an object whose `__del__` spins forever.

The object dies when forward returns, still inside the probe's request, so the
request times out like a loop in forward.

Item: Dropout
Says: timed out
Fails: shape_dtype, values_zero_or_scaled
"""
# %%
import torch
import torch.nn as nn

# %%
class Trap:
    def __del__(self):
        while True:
            pass

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        trap = Trap()
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
