"""Mask drawn on the CPU but moved with ``.to(input.device)`` before use: works on any device."""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if self.training:
            mask = (torch.rand(input.shape) > self.p).to(input.device)
            return input.masked_fill(~mask, 0.0) / (1 - self.p)
        return input
