"""Caches the mask on the module the first time it sees a shape and reuses it on every later
call, so the same units are dropped forever.

Caught by: independent_mask
"""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p
        self.mask = None

    def forward(self, input):
        if not self.training:
            return input
        # only build a new mask when the shape changes (saves time)
        if self.mask is None or self.mask.shape != input.shape:
            self.mask = (torch.rand_like(input) > self.p).to(input.dtype) / (1 - self.p)
        return input * self.mask
