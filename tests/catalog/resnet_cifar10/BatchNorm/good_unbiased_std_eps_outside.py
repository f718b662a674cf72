"""The course's own solution: unbiased std (Tensor.std) with eps added to sigma, as in the formula
y = (x - mu) / (sigma + eps) * gamma + beta."""
import torch
import torch.nn as nn


class BatchNorm(nn.Module):
    def __init__(self, num_features):
        super().__init__()
        self.num_features = num_features
        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))
        self.eps = 1e-5

    def forward(self, input):
        mean = input.mean(dim=[0, 2], keepdim=True)
        std = input.std(dim=[0, 2], keepdim=True)
        normalized = (input - mean) / (std + self.eps)
        return self.gamma[None, :, None] * normalized + self.beta[None, :, None]
