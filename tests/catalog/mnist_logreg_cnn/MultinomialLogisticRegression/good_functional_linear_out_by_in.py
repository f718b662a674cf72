"""Parameters in nn.Linear's layout (output_size, input_size), applied with F.linear after flatten(1)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class MultinomialLogisticRegression(nn.Module):
    def __init__(self, input_size, output_size):
        super().__init__()
        bound = 1 / math.sqrt(input_size)
        self.weight = nn.Parameter(torch.empty(output_size, input_size).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(output_size).uniform_(-bound, bound))

    def forward(self, x):
        return F.linear(torch.flatten(x, start_dim=1), self.weight, self.bias)
