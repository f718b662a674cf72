"""No epsilon at all: a constant channel divides 0 by 0 and gives NaN.

Caught by: constant_channel_finite
"""
import torch
import torch.nn as nn


class BatchNorm(nn.Module):
    def __init__(self, num_features):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))

    def forward(self, input):
        mean = input.mean(dim=(0, 2), keepdim=True)
        std = input.std(dim=(0, 2), keepdim=True)
        return (input - mean) / std * self.gamma.view(1, -1, 1) + self.beta.view(1, -1, 1)
