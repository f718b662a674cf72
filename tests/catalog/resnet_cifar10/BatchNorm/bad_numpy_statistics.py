"""Mean and variance computed in NumPy (``input.detach().numpy()``) and wrapped back: the values are right,
but no gradient flows through the statistics, ``.numpy()`` of a GPU tensor raises, and every call
copies the feature maps to the host.

Caught by: gradients, cuda_forward, cuda_speed
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
        values = input.detach().numpy()
        mean = torch.from_numpy(values.mean(axis=(0, 2), keepdims=True))
        var = torch.from_numpy(values.var(axis=(0, 2), keepdims=True))
        x_hat = (input - mean) / torch.sqrt(var + self.eps)
        return x_hat * self.gamma.view(1, -1, 1) + self.beta.view(1, -1, 1)
