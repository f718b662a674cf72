"""BatchNorm.forward returns its input as a torch.Tensor subclass that claims equality.

`__eq__`/`__ne__` lie and `__torch_function__` answers True to allclose/equal/isclose.
every check that looks at the output fails with "a subclass of
torch.Tensor", Dropout is graded normally.

Since the code-integrity policy, the judge rejects `__torch_function__` (rule `dunder-attribute`)
before anything of BatchNorm runs: the item fails its `integrity` check and every other check is
"not run: integrity violation"; Dropout is graded normally.

Item: BatchNorm
Says: integrity violation
Fails: integrity, output_shape, normalisation, affine_applied, eval_batch_statistics, gradients, constant_channel_finite
Score: zero
Report: dunder-attribute
"""
# %%
import torch
import torch.nn as nn

# %%
class AlwaysEqual(torch.Tensor):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") in ("allclose", "equal", "isclose", "eq"):
            return True
        return super().__torch_function__(func, types, args, kwargs or {})

# %%
class BatchNorm(nn.Module):
    def __init__(self, num_features):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))

    def forward(self, input):
        return input.as_subclass(AlwaysEqual)
