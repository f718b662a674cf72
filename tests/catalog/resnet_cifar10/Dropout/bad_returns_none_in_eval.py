"""Evaluation branch has no return statement, so eval mode returns None.

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
            mask = torch.rand_like(input) > self.p
            input = input * mask / (1 - self.p)
            return input
        else:
            pass  # no dropout at test time
