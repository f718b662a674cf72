"""Detect and undo tampering with the functions the grader and probes rely on.

A snapshot of selected attributes is taken before any student code runs; after
every call into student code the worker compares and restores them, and reports
which ones were replaced so the judge can fail the check with a clear message.
"""

from __future__ import annotations

import builtins
import random
from typing import Any

import numpy
import torch

# (owner object, attribute names) whose replacement counts as tampering.
_WATCHED: tuple[tuple[Any, str, tuple[str, ...]], ...] = (
    (builtins, "builtins", ("isinstance", "issubclass", "type", "len", "float", "int", "getattr",
                            "hasattr", "print", "open", "__import__", "repr", "str", "abs", "min", "max", "sum")),
    (torch, "torch", ("allclose", "equal", "isclose", "eq", "manual_seed", "seed", "is_grad_enabled",
                      "set_grad_enabled", "no_grad", "randn", "rand", "bernoulli", "from_numpy", "tensor",
                      "as_tensor", "zeros", "ones", "empty", "Tensor", "autograd")),
    (torch.Tensor, "torch.Tensor", ("__eq__", "__ne__", "__float__", "__bool__", "detach", "numpy", "cpu",
                                    "contiguous", "clone", "to", "tolist", "item", "backward", "requires_grad_",
                                    "__torch_function__", "size", "dim", "numel", "copy_", "view", "reshape")),
    (torch.testing, "torch.testing", ("assert_close",)),
    (torch.nn.Module, "torch.nn.Module", ("__call__", "_call_impl", "train", "eval", "parameters",
                                          "named_parameters", "buffers", "state_dict", "load_state_dict",
                                          "zero_grad", "modules", "children", "to")),
    (torch.autograd, "torch.autograd", ("backward", "grad")),
    (numpy, "numpy", ("isclose", "allclose", "array_equal", "frombuffer", "asarray", "array")),
    (random, "random", ("seed", "random", "getstate", "setstate")),
    (numpy.random, "numpy.random", ("seed",)),
)


_MISSING = object()


def _lookup(owner: Any, name: str) -> Any:
    """The attribute as stored on ``owner`` itself (class dict for types, so
    overriding an inherited method is seen too)."""
    if isinstance(owner, type):
        return vars(owner).get(name, _MISSING)
    return getattr(owner, name, _MISSING)


class Guard:
    """Snapshot of watched attributes; :meth:`check_and_restore` undoes changes."""

    def __init__(self) -> None:
        import sys

        self._saved = [(owner, label, name, _lookup(owner, name))
                       for owner, label, names in _WATCHED for name in names]
        self._modules = {name: sys.modules[name] for name in ("torch", "numpy", "random", "builtins", "math")}

    def check_and_restore(self) -> list[str]:
        """Names of watched attributes the student code replaced (now restored)."""
        import sys

        changed: list[str] = []
        for owner, label, name, value in self._saved:
            if _lookup(owner, name) is value:
                continue
            changed.append(f"{label}.{name}")
            try:
                if value is _MISSING:
                    delattr(owner, name)
                else:
                    setattr(owner, name, value)
            except (AttributeError, TypeError):
                pass
        for name, module in self._modules.items():
            if sys.modules.get(name) is not module:
                changed.append(f"sys.modules[{name!r}]")
                sys.modules[name] = module
        return changed
