"""Dropout registers an `atexit` handler that spins forever, and is otherwise correct.

The worker never runs atexit handlers (it ends with `os._exit` or is killed), so
the handler costs nothing and Dropout keeps every point.

Item: Dropout
Score: full
"""
# %%
import torch
import torch.nn as nn
import atexit

# %%
def spin():
    while True:
        pass

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        atexit.register(spin)
        self.p = p

    def forward(self, input):
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
