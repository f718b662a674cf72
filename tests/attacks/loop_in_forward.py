"""Dropout.forward never returns.

the checks that call forward fail with "timed out", later ones fail fast
("timed out 2 times"), BatchNorm is graded normally.

Item: Dropout
Score: zero
Says: timed out
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
        while True:
            pass
