"""A ReLU after the affine map: negative logits are cut to 0.

Caught by: matches_reference
"""
import torch
import torch.nn as nn


class MultinomialLogisticRegression(nn.Module):
    def __init__(self, input_size, output_size):
        super().__init__()
        self.linear = nn.Linear(input_size, output_size)

    def forward(self, x):
        x = x.reshape(x.shape[0], -1)
        return torch.relu(self.linear(x))
