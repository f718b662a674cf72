"""Dropout.forward writes random bytes to stdout and stderr, then to stdin.

The bytes on 1 and 2 are just output (kept, cut, escaped in the report); the
write on stdin, /dev/null opened for reading, raises in the student's code.

Item: Dropout
Says: Bad file descriptor
Fails: shape_dtype, values_zero_or_scaled
"""
# %%
import torch
import torch.nn as nn
import os

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        os.write(1, os.urandom(4096))
        os.write(2, os.urandom(4096))
        os.write(0, os.urandom(4096))
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
