"""Centres the input in place (``input -= mean``, ``input /= std``), overwriting the caller's tensor.

Caught by: input_unchanged
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
        mean = input.mean(dim=(0, 2), keepdim=True)
        std = torch.sqrt(input.var(dim=(0, 2), unbiased=False, keepdim=True) + eps)
        input -= mean
        input /= std
        return input * self.gamma.view(1, -1, 1) + self.beta.view(1, -1, 1)
