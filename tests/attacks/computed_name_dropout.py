"""Dropout reaches `F.dropout` through a name computed at run time, `getattr(F, "drop" + "out")`, which
no static policy can read.

The run-time spy still sees PyTorch's dropout being called: `no_torch_dropout` fails, the other checks
pass (the output is a correct dropout); BatchNorm is graded normally.

Item: Dropout
Says: PyTorch's own dropout
Fails: no_torch_dropout
Score: less
"""
# %%
import torch
import torch.nn as nn
import torch.nn.functional as F

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        return getattr(F, "drop" + "out")(input, self.p, self.training)
