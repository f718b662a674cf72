"""Dropout.forward sleeps for eleven days (`time.sleep(10**6)`).

A sleep is a hang like any other: the request's deadline kills the worker.

Item: Dropout
Says: timed out
Fails: shape_dtype, values_zero_or_scaled, zero_fraction
"""
# %%
import torch
import torch.nn as nn
import time

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        time.sleep(10**6)
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
