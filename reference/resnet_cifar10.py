"""Reference solution of the ResNet/CIFAR-10 assignment (seed 002).

Written to be read: each class follows the assignment text.  The checks use
these to compute expected values in the judge process.
"""

import torch
import torch.nn as nn


class Dropout(nn.Module):
    """Zero each element with probability p, scale the survivors by 1/(1-p); identity in eval."""

    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if not self.training or self.p == 0:
            return input
        keep = torch.rand_like(input) >= self.p
        return input * keep / (1 - self.p)


class BatchNorm(nn.Module):
    """Batch normalisation over dimension C of (N, C, L), batch statistics only.

    ``unbiased`` and ``eps_inside`` select among the variants the assignment accepts:
    y = (x - mean) / sqrt(var + eps) (torch's choice, the default) or
    y = (x - mean) / (std + eps) (the text's formula), with a biased or unbiased variance.
    """

    def __init__(self, num_features, eps=1e-5, unbiased=False, eps_inside=True):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))
        self.eps = eps
        self.unbiased = unbiased
        self.eps_inside = eps_inside

    def forward(self, input):
        mean = input.mean(dim=(0, 2), keepdim=True)
        var = input.var(dim=(0, 2), unbiased=self.unbiased, keepdim=True)
        scale = torch.sqrt(var + self.eps) if self.eps_inside else torch.sqrt(var) + self.eps
        normalised = (input - mean) / scale
        return normalised * self.gamma[None, :, None] + self.beta[None, :, None]
