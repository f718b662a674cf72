"""The per-channel statistics are reshaped with ``.view(1, 16, 1)``: the channel count of the layer the
student tried it on is hard-coded, so any other num_features fails (the rest is correct).

Caught by: output_shape, normalisation
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
        mean = input.mean(dim=(0, 2)).view(1, 16, 1)
        var = input.var(dim=(0, 2), unbiased=False).view(1, 16, 1)
        x_hat = (input - mean) / torch.sqrt(var + self.eps)
        return x_hat * self.gamma.view(1, -1, 1) + self.beta.view(1, -1, 1)
