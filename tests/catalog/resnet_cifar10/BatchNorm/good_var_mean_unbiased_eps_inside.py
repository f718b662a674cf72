"""torch.var_mean with the unbiased estimator and eps inside the square root (eps = 1e-3, the top
of the accepted range)."""
import torch
import torch.nn as nn


class BatchNorm(nn.Module):
    def __init__(self, num_features):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))
        self.num_features = num_features

    def forward(self, input):
        var, mean = torch.var_mean(input, dim=[0, 2], unbiased=True, keepdim=True)
        y = (input - mean) / (var + 1e-3) ** 0.5
        gamma = self.gamma.view(1, self.num_features, 1)
        beta = self.beta.view(1, self.num_features, 1)
        return gamma * y + beta
