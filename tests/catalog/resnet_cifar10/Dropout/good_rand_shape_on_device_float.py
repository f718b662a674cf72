"""Float mask ``(torch.rand(x.shape, device=x.device) >= p).float()``; the mask is float32, the
product keeps the input's dtype for float32 and promotes nothing for float64 (float32 mask * float64
input stays float64)."""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if self.training:
            x = input
            mask = (torch.rand(x.shape, device=x.device) >= self.p).float()
            scale = 1.0 / (1.0 - self.p)
            x = x * mask * scale
            return x
        else:
            return input
