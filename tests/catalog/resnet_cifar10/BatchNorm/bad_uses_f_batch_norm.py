"""Delegates the normalisation to F.batch_norm, which the assignment forbids.

Caught by: no_torch_batchnorm
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class BatchNorm(nn.Module):
    def __init__(self, num_features):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))

    def forward(self, input):
        return F.batch_norm(input, None, None, weight=self.gamma, bias=self.beta,
                            training=True, eps=1e-5)
