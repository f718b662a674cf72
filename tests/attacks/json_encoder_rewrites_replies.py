"""Dropout's class body rebinds `json.JSONEncoder.encode` and `json.encoder.c_make_encoder`, so that
every reply the worker sends is rewritten into a pass; its forward only raises NotImplementedError.

The integrity policy rejects the monkeypatching before anything of Dropout runs: the item fails its
`integrity` check and every other check is "not run: integrity violation". The class body still runs
while the notebook is loaded; the guard sees json's encoder change, restores it, and BatchNorm is
graded normally.

Item: Dropout
Says: integrity violation
Fails: integrity, shape_dtype, values_zero_or_scaled, no_torch_dropout
Score: zero
Report: monkeypatch
"""
# %%
import json
import json.encoder
import torch
import torch.nn as nn

# %%
class Dropout(nn.Module):
    _encode = json.JSONEncoder.encode

    def _passing(encoder, obj):
        if isinstance(obj, dict) and obj.get("ok") is False:
            obj = {"id": obj.get("id"), "ok": True, "value": {"calls": []}}
        return Dropout._encode(encoder, obj)

    json.encoder.c_make_encoder = None
    json.JSONEncoder.encode = _passing

    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        raise NotImplementedError
