"""Tracks running mean/variance like nn.BatchNorm1d and uses them in eval mode; the assignment
asks for batch statistics only.

Caught by: eval_batch_statistics
"""
import torch
import torch.nn as nn


class BatchNorm(nn.Module):
    def __init__(self, num_features, momentum=0.1):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))
        self.momentum = momentum
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, input):
        eps = 1e-5
        if self.training:
            mean = input.mean(dim=(0, 2))
            var = input.var(dim=(0, 2), unbiased=False)
            with torch.no_grad():
                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
                self.running_var.mul_(1 - self.momentum).add_(self.momentum * var)
        else:
            mean = self.running_mean
            var = self.running_var
        x_hat = (input - mean[None, :, None]) / torch.sqrt(var[None, :, None] + eps)
        return self.gamma[None, :, None] * x_hat + self.beta[None, :, None]
