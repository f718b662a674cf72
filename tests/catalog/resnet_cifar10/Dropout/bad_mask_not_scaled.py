"""Drops units with probability p but forgets the 1/(1-p) rescaling of the survivors.

Caught by: values_zero_or_scaled, gradient
"""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if self.training:
            mask = torch.bernoulli(torch.full_like(input, 1 - self.p))
            return input * mask
        else:
            return input
