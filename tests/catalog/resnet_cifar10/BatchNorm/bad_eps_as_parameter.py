"""Registers eps as an nn.Parameter, so the layer has 2C + 1 trainable parameters and the
optimizer can drive eps anywhere.

Caught by: parameters
"""
import torch
import torch.nn as nn


class BatchNorm(nn.Module):
    def __init__(self, num_features):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))
        self.eps = nn.Parameter(torch.tensor(1e-5))

    def forward(self, input):
        mean = input.mean(dim=(0, 2), keepdim=True)
        var = input.var(dim=(0, 2), unbiased=False, keepdim=True)
        x_hat = (input - mean) / torch.sqrt(var + self.eps)
        return x_hat * self.gamma.view(1, -1, 1) + self.beta.view(1, -1, 1)
