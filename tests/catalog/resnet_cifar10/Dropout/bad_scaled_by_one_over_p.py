"""Rescales the kept units by 1/p instead of 1/(1-p) (invisible at p = 0.5; division by zero at p = 0).

Caught by: values_zero_or_scaled, p_zero_identity
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
        mask = (torch.rand_like(input) > self.p).type_as(input)
        scale = 1 / self.p  # conserve the mean
        return input * mask * scale
