"""W and b are registered, but forward computes only X @ W.

Caught by: matches_reference
"""
import torch
import torch.nn as nn


class MultinomialLogisticRegression(nn.Module):
    def __init__(self, input_size, output_size):
        super().__init__()
        self.W = nn.Parameter(torch.randn(input_size, output_size) * 0.01)
        self.b = nn.Parameter(torch.zeros(output_size))

    def forward(self, x):
        x = x.reshape(x.shape[0], -1)
        return x @ self.W
