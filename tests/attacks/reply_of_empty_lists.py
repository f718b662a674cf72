"""Dropout.forward writes a 32 MB reply made of empty lists on every descriptor from 3 to 63.

Decoded naively, 32 MB of `[],` costs the judge about 2 GB; the judge counts the lists before
decoding (a byte count at C speed) and refuses the reply, so its memory stays near what torch
needs. Only Dropout fails, as a corrupted reply; BatchNorm keeps its marks.

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
        body = b'{"id": 1, "ok": true, "value": [' + b"[]," * 11_000_000 + b"[]]}"
        for fd in range(3, 64):
            try:
                os.write(fd, struct.pack("!Q", len(body)) + body)
            except OSError:
                pass
        return input
