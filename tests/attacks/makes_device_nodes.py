"""Dropout.forward creates a FIFO and a character device (the kernel's /dev/mem numbers) in its
working directory, which a later process of the machine could trip over.

The executor's working directory admits regular files and directories only (Landlock) and the
system-call filter refuses mknod (seccomp): the calls raise in the student's code, only Dropout
fails. Without either protection the FIFO would be made and Dropout would score full marks.

Item: Dropout
Says: not permitted
Fails: shape_dtype, values_zero_or_scaled
Score: zero
"""
# %%
import os
import stat
import torch
import torch.nn as nn

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        os.mkfifo("pipe")
        os.mknod("mem", stat.S_IFCHR | 0o600, os.makedev(1, 1))
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
