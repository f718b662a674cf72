"""Dropout.forward calls `os.kill(os.getpid(), signal.SIGSEGV)` in training mode.

It ends as a failed check that names what happened; the other checks and items
go on (in a fresh worker when the process died).

Since the code-integrity policy, the judge rejects `import signal` (rule `denied-import`) before
anything of Dropout runs: the item fails its `integrity` check and every other check is "not run:
integrity violation"; BatchNorm is graded normally.

Item: Dropout
Says: integrity violation
Fails: integrity, shape_dtype, values_zero_or_scaled
Score: zero
Report: denied-import
"""
# %%
import torch
import torch.nn as nn
import os
import signal

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if self.training:
            os.kill(os.getpid(), signal.SIGSEGV)
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
