"""Dropout needs HELPER, whose top-level definition never finishes.

the statement `HELPER = spin()` times out at load (reported as a cell
problem), Dropout loses its points, BatchNorm is graded normally.

Item: Dropout
Score: zero
Says: HELPER
Report: statement skipped
"""
# %%
import torch
import torch.nn as nn

# %%
def spin():
    while True:
        pass

HELPER = spin()

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if not self.training:
            return input
        mask = (torch.rand_like(input) > self.p).float() * HELPER
        return input * mask / (1 - self.p)
