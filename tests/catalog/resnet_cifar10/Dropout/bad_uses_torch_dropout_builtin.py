"""Calls the builtin torch.dropout directly (no F. prefix, no nn.Dropout): still PyTorch's dropout.

Caught by: no_torch_dropout
"""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if self.training:
            out = torch.dropout(input, self.p, True)
        else:
            out = input
        return out
