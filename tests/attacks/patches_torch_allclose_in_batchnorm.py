"""BatchNorm.forward replaces torch.allclose so that any comparison "passes".

every check that runs forward fails with "your code replaced
torch.allclose", the function is restored, Dropout is graded normally.

Since the code-integrity policy, the judge rejects the assignment to `torch.allclose` (rule
`monkeypatch`) before anything of BatchNorm runs: the item fails its `integrity` check and every
other check is "not run: integrity violation"; Dropout is graded normally.

Item: BatchNorm
Says: integrity violation
Fails: integrity, output_shape, normalisation, affine_applied, eval_batch_statistics, gradients, constant_channel_finite, input_unchanged, no_torch_batchnorm
Score: zero
Report: monkeypatch
"""
# %%
import torch
import torch.nn as nn

# %%
class BatchNorm(nn.Module):
    def __init__(self, num_features):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))

    def forward(self, input):
        torch.allclose = lambda *args, **kwargs: True
        return input * self.gamma.view(1, -1, 1) + self.beta.view(1, -1, 1)
