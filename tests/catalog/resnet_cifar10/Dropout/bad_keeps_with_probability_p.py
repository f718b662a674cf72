"""Keeps each unit with probability p instead of dropping it (invisible at p = 0.5).

Caught by: zero_fraction, p_zero_identity
"""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if self.training:
            # units where the random number is below p survive
            mask = (torch.rand_like(input) < self.p).float()
            return input * mask / (1 - self.p)
        return input
