"""Dropout calls PyTorch's dropout through `torch._VF`, an entry point the run-time spy does not wrap.

The integrity policy rejects `torch._VF` (PyTorch's internals) before anything runs; BatchNorm is
graded normally.

Item: Dropout
Says: integrity violation
Fails: integrity, no_torch_dropout
Score: zero
Report: torch-internals
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
        return torch._VF.dropout(input, self.p, self.training)
