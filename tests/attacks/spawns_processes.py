"""Dropout.forward starts 20 sleeping processes and returns a correct output.

Processes that outlive the call fail it ("a process still running"), and the
worker, with every process it started, is replaced before the next request.
(`os.posix_spawn` of `sleep`: the integrity policy denies `subprocess` and `sys.executable`.)

Item: Dropout
Says: process still running
Fails: shape_dtype, values_zero_or_scaled
"""
# %%
import torch
import torch.nn as nn
import os
import shutil

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        sleep = shutil.which('sleep') or '/bin/sleep'
        for _ in range(20):
            os.posix_spawn(sleep, ['sleep', '1000'], {'ATTACK_MARKER': '__MARKER__'})
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
