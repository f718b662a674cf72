"""The seed student's answer: a NumPy binomial mask of length len(input), so it only fits 1-D input
(on (N, F) input it broadcasts over the last dimension or crashes), comes back as float64 and lives
on the CPU (a 1-D meta/GPU input raises a device mismatch; on other shapes the shape error comes first).

Caught by: shape_dtype, independent_mask, device_agnostic
"""
import numpy as np
import torch
import torch.nn as nn


class Dropout(nn.Module):
    """
    Dropout, as discussed in the lecture and described here:
    https://pytorch.org/docs/stable/nn.html#torch.nn.Dropout

    Args:
        p: float, dropout probability
    """
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        """
        The module's forward pass.
        This has to be implemented for every PyTorch module.
        PyTorch then automatically generates the backward pass
        by dynamically generating the computational graph during
        execution.

        Args:
            input: PyTorch tensor, arbitrary shape

        Returns:
            PyTorch tensor, same shape as input
        """
        # TODO: Set values randomly to 0.
        if self.training:
            scalar = 1/(1-self.p)
            N = len(input)
            probabilities = torch.from_numpy(np.random.binomial(1, 1-self.p, N)*scalar)
            return torch.mul(input, probabilities)
        else:
            return input
