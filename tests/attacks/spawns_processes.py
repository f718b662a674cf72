"""Dropout.forward starts 20 sleeping processes and returns a correct output.

Processes that outlive the call fail it ("a process still running"), and the
worker, with every process it started, is replaced before the next request.

Item: Dropout
Says: process still running
Fails: shape_dtype, values_zero_or_scaled
"""
# %%
import torch
import torch.nn as nn
import subprocess
import sys

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        for _ in range(20):
            subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(1000)', '__MARKER__'])
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
