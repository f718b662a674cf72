"""Dropout.forward writes a 3 GB file into its working directory.

The file-size limit stops the write with "File too large", which names the limit.

Item: Dropout
Says: File too large
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
        with open('checkpoint.bin', 'wb') as f:
            for _ in range(3 * 1024):
                f.write(bytes(2**20))
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
