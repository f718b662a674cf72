"""A Dropout that never drops anything replaces `sys.modules['numpy']` on every call.

The worker restores it after the call and fails the check as tampering, so the
lie never reaches a probe; BatchNorm is graded normally.

Since the code-integrity policy, the judge rejects `sys.modules` (rule `sys-access`) before anything
of Dropout runs: the item fails its `integrity` check and every other check is "not run: integrity
violation"; BatchNorm is graded normally.

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
        sys.modules['numpy'] = type(sys)('numpy')
        return input * 1.0
