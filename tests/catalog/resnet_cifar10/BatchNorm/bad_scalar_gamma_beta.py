"""gamma and beta are single numbers (shape (1,)) shared by all channels instead of one per channel.

Caught by: parameters
"""
import torch
import torch.nn as nn


class BatchNorm(nn.Module):
    def __init__(self, num_features):
        super().__init__()
        self.num_features = num_features
        self.gamma = nn.Parameter(torch.ones(1))
        self.beta = nn.Parameter(torch.zeros(1))

    def forward(self, input):
        eps = 1e-5
        mean = input.mean(dim=(0, 2), keepdim=True)
        var = input.var(dim=(0, 2), unbiased=False, keepdim=True)
        return self.gamma * (input - mean) / torch.sqrt(var + eps) + self.beta
