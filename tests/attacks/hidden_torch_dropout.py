"""Dropout calls PyTorch's own dropout with torch-function overrides disabled.

The probe spots torch's dropout with a TorchFunctionMode; DisableTorchFunction
switches every mode off, so the call is not seen.
the no_torch_dropout check still fails.

Item: Dropout
Fails: no_torch_dropout
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
        with torch._C.DisableTorchFunction():
            return F.dropout(input, self.p, self.training)
