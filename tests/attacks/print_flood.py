"""Dropout.forward prints 100 MB, then returns a correct output.

Printing more than the flood limit during one check fails it; the report keeps
only the beginning of the output.

Item: Dropout
Says: printed
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
        print('x' * (100 * 2**20))
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
