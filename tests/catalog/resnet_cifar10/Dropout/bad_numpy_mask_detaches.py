"""Goes through NumPy via ``input.detach().numpy()`` and wraps the result with torch.from_numpy:
the output is cut off from the autograd graph (and tied to the CPU).

Caught by: gradient, device_agnostic, cuda_forward, cuda_speed
"""
import numpy as np
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if self.training:
            x = input.detach().numpy()
            mask = np.random.uniform(size=x.shape) > self.p
            out = x * mask / (1 - self.p)
            return torch.from_numpy(out.astype(x.dtype))
        return input
