"""Flattens with ``input.view(-1)`` before masking; view raises on a non-contiguous input
(e.g. a transposed tensor).

Caught by: noncontiguous_input
"""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if self.training:
            flat = input.view(-1)
            n = flat.shape[0]
            keep = torch.rand(n, device=input.device) > self.p
            flat = flat * keep / (1 - self.p)
            return flat.view(input.shape)
        return input
