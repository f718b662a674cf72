"""Dropout.forward appends 100 MB bytearrays to a list until something gives.

The memory limit stops it: the submission's cgroup has the kernel kill the executor (without
a cgroup, the address-space limit raises MemoryError); either way the check names the limit. It
is graded under a longer deadline than the other attacks, so that filling the 1 GiB on a busy
machine is not mistaken for a hang.

Item: Dropout
Says: memory limit
Fails: shape_dtype, values_zero_or_scaled
Timeout: 20
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
        hoard = []
        while True:
            hoard.append(bytearray(100 * 2**20))
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
