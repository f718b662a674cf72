"""Divides by the per-channel std but never subtracts the mean.

Caught by: normalisation
"""
import torch
import torch.nn as nn


class BatchNorm(nn.Module):
    def __init__(self, num_features):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))

    def forward(self, input):
        eps = 1e-5
        sigma = input.std(dim=(0, 2), keepdim=True)
        normed = input / (sigma + eps)
        return normed * self.gamma.view(1, -1, 1) + self.beta.view(1, -1, 1)
