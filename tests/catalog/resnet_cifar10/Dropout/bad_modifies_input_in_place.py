"""Applies the mask in place (``input *= mask``), overwriting the caller's tensor.

Caught by: input_unchanged
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
            input *= mask
            input /= 1 - self.p
        return input
