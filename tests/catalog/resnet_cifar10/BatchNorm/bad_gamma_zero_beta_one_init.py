"""Initialises gamma to 0 and beta to 1 (swapped), so a fresh layer outputs all ones.

Caught by: parameters
"""
import torch
import torch.nn as nn


class BatchNorm(nn.Module):
    def __init__(self, num_features):
        super().__init__()
        self.gamma = nn.Parameter(torch.zeros(num_features))
        self.beta = nn.Parameter(torch.ones(num_features))

    def forward(self, input):
        eps = 1e-5
        mean = input.mean(dim=(0, 2), keepdim=True)
        var = input.var(dim=(0, 2), unbiased=False, keepdim=True)
        x_hat = (input - mean) / torch.sqrt(var + eps)
        return x_hat * self.gamma.view(1, -1, 1) + self.beta.view(1, -1, 1)
