"""Dropout calls `torch.ops.aten.dropout` with torch-function modes switched off
(`torch._C.DisableTorchFunction`), so neither the spy nor the mode sees it.

The integrity policy rejects `torch.ops` and `torch._C` before anything runs; BatchNorm is graded
normally.

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
        with torch._C.DisableTorchFunction():
            return torch.ops.aten.dropout(input, self.p, self.training)
