"""The mask is drawn with ``torch.rand(input.shape)``, without ``device=``: right on the CPU, but the mask
is always a CPU tensor, so on a GPU the product with the input fails (the meta-device check sees it
without a GPU).

Caught by: device_agnostic, cuda_forward
"""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if not self.training:
            return input
        keep = (torch.rand(input.shape) >= self.p).to(input.dtype)
        return input * keep / (1 - self.p)
