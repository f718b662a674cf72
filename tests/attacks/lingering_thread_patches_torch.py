"""Dropout.forward starts one thread that keeps replacing torch.allclose, then returns a correct output.

The thread is caught when forward returns; the worker is replaced, so the
patch never reaches BatchNorm's checks.

Since the code-integrity policy, the judge rejects the assignment to `torch.allclose` (rule
`monkeypatch`) before anything of Dropout runs: the item fails its `integrity` check and every other
check is "not run: integrity violation"; BatchNorm is graded normally.

Item: Dropout
Says: integrity violation
Fails: integrity, shape_dtype, values_zero_or_scaled
Score: zero
Report: monkeypatch
"""
# %%
import torch
import torch.nn as nn
import threading
import time

# %%
def keep_patching():
    while True:
        torch.allclose = lambda *a, **k: True
        time.sleep(0.001)

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        threading.Thread(target=keep_patching, daemon=True).start()
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
