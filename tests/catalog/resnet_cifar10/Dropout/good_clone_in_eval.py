"""Returns ``input.clone()`` in evaluation mode: same values, a new tensor, still differentiable."""
import numpy as np
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if self.training == False:
            # nothing to do at test time, hand back a copy
            return input.clone()

        random_tensor = torch.rand(input.size(), device=input.device, dtype=input.dtype)
        keep = (random_tensor >= self.p).to(input.dtype)
        out = keep * input
        out = out / (1 - self.p)
        return out
