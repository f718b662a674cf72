"""A Dropout that never drops anything replaces `json.dumps` on every call.

The worker restores it after the call and fails the check as tampering, so the
lie never reaches a probe; BatchNorm is graded normally.

Item: Dropout
Says: replaced json.dumps
Fails: shape_dtype, values_zero_or_scaled
"""
# %%
import torch
import torch.nn as nn
import json

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        json.dumps = lambda *a, **k: '{"id": 0, "ok": true, "value": null}'
        return input * 1.0
