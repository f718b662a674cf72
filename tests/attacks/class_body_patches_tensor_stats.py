"""Dropout's class body replaces `torch.Tensor.var`, `torch.Tensor.mean` and `torch.sqrt` (functions a
correct BatchNorm uses) to sabotage the other item graded in the same notebook.

The integrity policy rejects the monkeypatching, so Dropout scores nothing; the class body still runs
while the notebook is loaded, and the guard, which watches the whole of `torch` and `torch.Tensor`,
restores the three functions: BatchNorm keeps full marks.

Item: Dropout
Says: integrity violation
Fails: integrity, shape_dtype, values_zero_or_scaled
Score: zero
Report: monkeypatch
"""
# %%
import torch
import torch.nn as nn

# %%
class Dropout(nn.Module):
    torch.Tensor.var = lambda self, *args, **kwargs: torch.ones(()) * 7.0
    torch.Tensor.mean = lambda self, *args, **kwargs: torch.zeros(()) + 3.0
    torch.sqrt = lambda x: x * 0 + 2.0

    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
