"""A top-level `while True: pass` in a cell that no graded name needs.

Extraction drops it without running it: the grader spends no time on it and
Dropout, which is correct, keeps every point.

Item: Dropout
Score: full
Report: while True
"""
# %%
import torch
import torch.nn as nn

# %%
while True:
    pass

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
