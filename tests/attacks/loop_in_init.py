"""Dropout.__init__ never returns.

Every check builds the module, so each one times out or is not run after the
second time-out; BatchNorm is graded normally.

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
        while True:
            pass
        self.p = p

    def forward(self, input):
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
