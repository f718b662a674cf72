"""The seed student's answer: statistics reshaped with ``.view(1,2,1)``, which hard-codes C = 2, and
the std taken with np.sqrt on a tensor (goes through NumPy: fails when the input requires grad).

Caught by: output_shape, normalisation, gradients
"""
import numpy as np
import torch
import torch.nn as nn


class BatchNorm(nn.Module):
    """
    Batch normalization, as discussed in the lecture and similar to
    https://pytorch.org/docs/stable/nn.html#torch.nn.BatchNorm1d

    Only uses batch statistics (no running mean for evaluation).
    Batch statistics are calculated for a single dimension.
    Gamma is initialized as 1, beta as 0.

    Args:
        num_features: Number of features to calculate batch statistics for.
    """
    def __init__(self, num_features):
        super().__init__()
        # TODO: Initialize the required parameters
        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))
        self.num_features = num_features

    def forward(self, input):
        """
        Batch normalization over the dimension C of (N, C, L).

        Args:
            input: PyTorch tensor, shape [N, C, L]

        Return:
            PyTorch tensor, same shape as input
        """
        eps = 1e-5

        # TODO: Implement the required transformation
        mean_sub = input - input.mean(dim=[0,2]).view(1,2,1)
        var_e = np.sqrt(input.var(dim=[0,2]).view(1,2,1) + eps)
        return (mean_sub/var_e)*self.gamma[:,None]+self.beta[:,None]
