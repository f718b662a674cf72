"""Never looks at self.training: units are dropped in evaluation mode too.

Caught by: eval_identity
"""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        # TODO: Set values randomly to 0.
        mask = (torch.rand_like(input) >= self.p).float()
        return mask * input / (1 - self.p)
