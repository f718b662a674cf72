"""torch.where picks 0 for dropped units and input / (1 - p) for kept ones."""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if not self.training:
            return input

        drop = torch.rand_like(input) < self.p  # True = set to zero
        return torch.where(drop, torch.zeros_like(input), input / (1.0 - self.p))
