"""Builds the mask in double precision "to be safe"; multiplying promotes a float32 input to a
float64 output.

Caught by: shape_dtype
"""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if self.training:
            mask = (torch.rand(input.shape, device=input.device) > self.p).double()
            return input * mask * (1.0 / (1.0 - self.p))
        return input
