"""Dropout.forward finds the worker's reply descriptor in /proc/self/cmdline and closes it.

The worker cannot answer and dies: the check fails as a crash that mentions the
grader's descriptors, and a fresh worker grades the rest.

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
        os.close(reply_fd())
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
