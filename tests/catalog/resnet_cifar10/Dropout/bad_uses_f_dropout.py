"""Delegates to PyTorch's own F.dropout, which the assignment forbids.

Caught by: no_torch_dropout
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        return F.dropout(input, p=self.p, training=self.training)
