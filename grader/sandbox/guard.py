"""Detect and undo tampering with the functions the grader and probes rely on.

A snapshot of selected attributes is taken before any student code runs; after
every call into student code the worker compares and restores them, and reports
which ones were replaced so the judge can fail the check with a clear message.
"""

from __future__ import annotations

import base64
import builtins
import json
import os
import random
import sys
import threading
from typing import Any

import numpy
import torch

from grader.sandbox import protocol

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
    # What the worker itself uses to answer the judge and to look for leftovers.
    (json, "json", ("dumps", "loads")),
    (base64, "base64", ("b64encode", "b64decode")),
    (os, "os", ("write", "read", "fstat", "waitpid", "_exit", "getpid")),
    (sys, "sys", ("_current_frames", "exit")),
    (threading, "threading", ("enumerate", "main_thread")),
    (protocol, "the grader's protocol module", ("write_message", "read_message", "encode_tensors",
                                                "decode_tensors", "encode_array", "HEADER", "MAX_MESSAGE_BYTES")),
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
        self._saved = [(owner, label, name, _lookup(owner, name))
                       for owner, label, names in _WATCHED for name in names]
        self._modules = {name: sys.modules[name] for name in ("torch", "numpy", "random", "builtins", "math",
                                                              "json", "os", "sys", "grader.sandbox.protocol")}

    def check_and_restore(self) -> list[str]:
        """Names of watched attributes the student code replaced (now restored)."""
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
