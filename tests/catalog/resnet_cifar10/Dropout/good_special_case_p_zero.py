"""Special-cases p == 0 (returns the input untouched) and otherwise drops with a bernoulli mask."""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = float(p)

    def forward(self, input):
        if not self.training or self.p == 0:
            return input
        probs = torch.ones_like(input) * (1 - self.p)
        mask = torch.bernoulli(probs)
        return mask * input * (1 / (1 - self.p))
