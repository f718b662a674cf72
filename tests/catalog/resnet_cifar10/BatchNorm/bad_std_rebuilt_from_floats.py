"""Computes each channel's std as a Python float with .item() and rebuilds the tensor with
torch.tensor([...]): the std is a constant to autograd, so the input gradient is wrong.

Caught by: gradients
"""
import torch
import torch.nn as nn


class BatchNorm(nn.Module):
    def __init__(self, num_features):
        super().__init__()
        self.num_features = num_features
        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))

    def forward(self, input):
        eps = 1e-5
        mean = input.mean(dim=[0, 2], keepdim=True)
        stds = []
        for c in range(self.num_features):
            stds.append(input[:, c, :].std().item())
        std = torch.tensor(stds, dtype=input.dtype, device=input.device).view(1, -1, 1)
        out = (input - mean) / (std + eps)
        return out * self.gamma.view(1, -1, 1) + self.beta.view(1, -1, 1)
