"""Mask drawn with NumPy for the full input shape and wrapped with torch.from_numpy, cast to the
input's dtype: correct on CPU for every shape, but the mask stays on the CPU, so a GPU input fails.

Caught by: device_agnostic, cuda_forward
"""
import numpy as np
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if not self.training:
            return input
        keep = np.random.binomial(1, 1 - self.p, size=tuple(input.shape))
        mask = torch.from_numpy(keep).to(dtype=input.dtype)
        return input * mask / (1 - self.p)
