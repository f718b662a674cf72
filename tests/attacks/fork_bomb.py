"""Dropout.forward forks 30 children that each sleep for 1000 s (a bounded fork bomb).

The children outlive the call: the check fails and the worker is replaced,
which kills every child with it.

Item: Dropout
Says: process still running
Fails: shape_dtype, values_zero_or_scaled
"""
# %%
import torch
import torch.nn as nn
import os
import time

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        for _ in range(30):
            if os.fork() == 0:
                while True:
                    time.sleep(1000)
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
