"""Dropout.forward raises the recursion limit to 10**8 and compares two lists nested
300 000 deep, a comparison that recurses in C until the C stack overflows.

The worker dies of SIGSEGV; the check fails with the signal named and a fresh
worker grades the rest.

Since the code-integrity policy, the judge rejects `sys.setrecursionlimit` (rule `sys-access`)
before anything of Dropout runs: the item fails its `integrity` check and every other check is "not
run: integrity violation"; BatchNorm is graded normally.

Item: Dropout
Says: integrity violation
Fails: integrity, shape_dtype, values_zero_or_scaled
Score: zero
Report: sys-access
"""
# %%
import torch
import torch.nn as nn
import sys

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        sys.setrecursionlimit(10**8)
        nested, other = [], []
        for _ in range(300_000):
            nested, other = [nested], [other]
        nested == other
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
