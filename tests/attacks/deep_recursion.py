"""Dropout.forward recurses without end.

Python's recursion limit stops it with a RecursionError in the student's code.

Item: Dropout
Says: RecursionError
Fails: shape_dtype, values_zero_or_scaled
"""
# %%
import torch
import torch.nn as nn

# %%
def down(n):
    return down(n + 1) + 1

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        down(0)
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
