"""Dropout.forward starts 100 threads that sleep and spin, and returns a correct output.

Threads running student code after the call fail it and the worker is replaced.

Item: Dropout
Says: threads still running
Fails: shape_dtype, values_zero_or_scaled
"""
# %%
import torch
import torch.nn as nn
import threading
import time

# %%
def linger():
    while True:
        time.sleep(0.01)

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        for _ in range(100):
            threading.Thread(target=linger, daemon=True).start()
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
