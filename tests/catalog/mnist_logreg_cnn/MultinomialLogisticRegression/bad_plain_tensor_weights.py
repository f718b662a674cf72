"""W and b as plain tensors with requires_grad=True: model.parameters() is empty, so the optimizer
has nothing to train.

Caught by: parameter_count, single_affine_map
"""
import torch
import torch.nn as nn


class MultinomialLogisticRegression(nn.Module):
    def __init__(self, input_size, output_size):
        super().__init__()
        self.W = torch.randn(input_size, output_size, requires_grad=True)
        self.b = torch.zeros(output_size, requires_grad=True)

    def forward(self, x):
        x = x.reshape(len(x), -1)
        return x @ self.W + self.b
