"""Draws one keep/drop decision per row (shape (N, 1, ...)) and broadcasts it over all features,
so whole samples are zeroed together.

Caught by: independent_mask
"""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if not self.training:
            return input
        # one random number per sample, broadcast over the remaining dimensions
        mask_shape = (input.shape[0],) + (1,) * (input.dim() - 1)
        mask = (torch.rand(mask_shape, device=input.device) > self.p).to(input.dtype)
        return input * mask / (1 - self.p)
