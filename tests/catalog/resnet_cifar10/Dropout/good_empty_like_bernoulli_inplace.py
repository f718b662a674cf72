"""Mask filled in place on a fresh tensor: ``torch.empty_like(x).bernoulli_(1 - p)`` (the input itself is never modified)."""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if self.training:
            q = 1 - self.p
            mask = torch.empty_like(input).bernoulli_(q)
            mask.div_(q)  # fold the rescaling into the mask
            return input * mask
        return input
