"""Dropout.forward returns an object that is not a tensor but claims to equal anything,
to have any length and to be any number.

Probes convert results to plain data before anything compares them, so the
object is reported as not being a tensor.

Item: Dropout
Fails: shape_dtype, values_zero_or_scaled
"""
# %%
import torch
import torch.nn as nn

# %%
class Agreeable:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __len__(self):
        return 10**6

    def __float__(self):
        return 0.5

    def __getattr__(self, name):
        return lambda *a, **k: self

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        return Agreeable()
