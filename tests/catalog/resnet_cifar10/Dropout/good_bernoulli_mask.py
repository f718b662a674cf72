"""Bernoulli mask from torch.bernoulli on a tensor of keep probabilities 1 - p, scaled by 1/(1-p)."""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    """
    Dropout, as discussed in the lecture and described here:
    https://pytorch.org/docs/stable/nn.html#torch.nn.Dropout

    Args:
        p: float, dropout probability
    """

    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if not self.training:
            return input
        keep_prob = 1 - self.p
        # each unit survives with probability 1 - p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
