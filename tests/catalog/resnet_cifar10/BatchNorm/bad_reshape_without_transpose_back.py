"""Normalises the (C, N*L) view from ``transpose(0, 1).reshape(C, -1)`` correctly but then returns
``.reshape(N, C, L)`` without transposing back: right shape, values in the wrong places.

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
        N, C, L = input.shape
        x = input.transpose(0, 1).reshape(C, -1)
        x = (x - x.mean(1, keepdim=True)) / torch.sqrt(x.var(1, unbiased=False, keepdim=True) + 1e-5)
        x = x * self.gamma.unsqueeze(1) + self.beta.unsqueeze(1)
        return x.reshape(N, C, L)
