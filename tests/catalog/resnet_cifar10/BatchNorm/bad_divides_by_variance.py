"""Divides by the variance instead of the standard deviation (forgot the square root).

Caught by: normalisation
"""
import torch
import torch.nn as nn


class BatchNorm(nn.Module):
    def __init__(self, num_features):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))
        self.eps = 1e-5

    def forward(self, input):
        mu = input.mean(dim=[0, 2], keepdim=True)
        sigma = input.var(dim=[0, 2], keepdim=True)
        y = (input - mu) / (sigma + self.eps)
        return y * self.gamma.view(1, -1, 1) + self.beta.view(1, -1, 1)
