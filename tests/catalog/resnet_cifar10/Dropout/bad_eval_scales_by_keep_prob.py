"""Training is correct inverted dropout, but evaluation additionally multiplies by (1 - p)
(mixing up inverted and classic dropout), so eval output is not the input.

Caught by: eval_identity
"""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if self.training:
            mask = torch.bernoulli(torch.full_like(input, 1 - self.p))
            return input * mask / (1 - self.p)
        # expected value of the training output
        return input * (1 - self.p)
