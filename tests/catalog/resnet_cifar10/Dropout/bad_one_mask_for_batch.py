"""Draws a single mask of shape input.shape[1:] and broadcasts it along the batch dimension,
so every sample in the batch loses the same units.

Caught by: independent_mask
"""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if self.training:
            feature_shape = input.shape[1:]
            mask = torch.bernoulli(torch.full(feature_shape, 1 - self.p, device=input.device, dtype=input.dtype))
            return input * mask.unsqueeze(0) / (1 - self.p)
        return input
