"""Wraps the whole training branch in torch.no_grad() ("the mask needs no gradient"), so the output
is detached from the autograd graph.

Caught by: gradient
"""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if self.training:
            with torch.no_grad():
                mask = torch.rand_like(input) > self.p
                output = input * mask / (1 - self.p)
            return output
        return input
