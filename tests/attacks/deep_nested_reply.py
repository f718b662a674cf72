"""Dropout.forward writes a well-formed-looking reply nested 200,000 lists deep on every
descriptor from 3 to 63, hoping that one of them is the executor's reply pipe.

The judge reads replies within bounds: the nesting is refused before it can exhaust the judge's
recursion (exit 3 would lose every item's marks), and the reply could not carry the request's
unpredictable id anyway; only Dropout fails, as a corrupted reply. BatchNorm keeps its marks.

Item: Dropout
Says: reply
Fails: shape_dtype, values_zero_or_scaled
Score: zero
"""
# %%
import os
import struct
import torch
import torch.nn as nn

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        body = b'{"id": 1, "ok": true, "value": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
        for fd in range(3, 64):
            try:
                os.write(fd, struct.pack("!Q", len(body)) + body)
            except OSError:
                pass
        return input
