"""Returns the scaled mask itself and never multiplies it with the input.

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
            keep = 1.0 - self.p
            dropped = torch.bernoulli(keep * torch.ones_like(input)) / keep
            return dropped
        return input
