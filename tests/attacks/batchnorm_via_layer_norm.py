"""BatchNorm computes batch statistics with PyTorch's `F.layer_norm` on the input with channels first
(another normalisation computing the same thing), so no batch_norm entry point is ever called.

The integrity policy rejects every PyTorch normalisation for BatchNorm, through the alias `norm`,
before anything runs; Dropout is graded normally.

Item: BatchNorm
Says: integrity violation
Fails: integrity, normalisation, no_torch_batchnorm
Score: zero
Report: forbidden-function
"""
# %%
import torch
import torch.nn as nn
import torch.nn.functional as F

norm = F.layer_norm

# %%
class BatchNorm(nn.Module):
    def __init__(self, num_features):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))

    def forward(self, input):
        n, c, length = input.shape
        channels_first = input.transpose(0, 1).reshape(c, n * length)
        normalised = norm(channels_first, (n * length,), eps=1e-5)
        out = normalised.reshape(c, n, length).transpose(0, 1)
        return out * self.gamma.view(1, -1, 1) + self.beta.view(1, -1, 1)
