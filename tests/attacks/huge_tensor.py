"""Dropout.forward allocates a 50 GB tensor before computing its output.

The address-space limit makes the allocation fail inside the student's code.

Item: Dropout
Says: memory limit
Fails: shape_dtype, values_zero_or_scaled
"""
# %%
import torch
import torch.nn as nn

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        scratch = torch.empty(50 * 1024**3 // 4)
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
