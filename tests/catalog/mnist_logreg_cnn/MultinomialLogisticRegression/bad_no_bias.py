"""nn.Linear(..., bias=False): Z = XW without b.

Caught by: parameter_count, single_affine_map
"""
import torch.nn as nn


class MultinomialLogisticRegression(nn.Module):
    def __init__(self, input_size, output_size):
        super().__init__()
        self.linear = nn.Linear(input_size, output_size, bias=False)

    def forward(self, x):
        return self.linear(x.reshape(len(x), -1))
