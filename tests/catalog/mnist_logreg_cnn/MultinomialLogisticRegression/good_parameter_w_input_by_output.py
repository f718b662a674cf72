"""The text's own formula Z = XW + b: W of shape (input_size, output_size) and b of shape
(1, output_size) as nn.Parameters, with torch.matmul."""
import torch
import torch.nn as nn


class MultinomialLogisticRegression(nn.Module):
    def __init__(self, input_size, output_size):
        super().__init__()
        self.W = nn.Parameter(torch.randn(input_size, output_size) * 0.01)
        self.b = nn.Parameter(torch.zeros(1, output_size))

    def forward(self, X):
        X = X.reshape(len(X), -1)
        Z = torch.matmul(X, self.W) + self.b
        return Z
