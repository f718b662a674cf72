"""Dropout.forward writes random bytes to the worker's reply descriptor.

The judge reads a corrupted reply, kills the worker and fails the check, naming
the grader's file descriptors.

Item: Dropout
Says: file descriptors
Fails: shape_dtype, values_zero_or_scaled
"""
# %%
import torch
import torch.nn as nn
import os

# %%
def reply_fd():
    argv = open('/proc/self/cmdline').read().split('\0')
    return int(argv[argv.index('--reply-fd') + 1])

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        os.write(reply_fd(), b'\xff' * 8 + os.urandom(4096))
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
