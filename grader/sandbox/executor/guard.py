"""Detect and undo tampering with the functions the grader and probes rely on.

A snapshot is taken before any student code runs: the whole attribute dictionary of the
modules and classes the probes and the worker's reply path use (``json`` and its encoder,
decoder and scanner, ``base64``, ``torch``, ``torch.nn.functional``, ``torch.Tensor``,
``torch.nn.Module``, ``numpy``, ``builtins``, ``math``, ``random``, ``os``, the protocol
module), plus selected names of ``sys`` (which changes by itself) and a few others.  After
every call into student code the worker compares and restores them, and reports which ones
were replaced so the judge can fail the check with a clear message.  The check compares
about 4,000 references by identity (a fraction of a millisecond per call).
"""

from __future__ import annotations

import base64
import builtins
import json
import json.decoder
import json.encoder
import json.scanner
import math
import os
import random
import sys
import threading
import types
from typing import Any

import numpy
import torch
import torch.nn.functional

from grader.sandbox.common import protocol

#: (owner, label): every attribute in the owner's own dictionary is watched.
_WHOLE: tuple[tuple[Any, str], ...] = (
    (json, "json"), (json.decoder, "json.decoder"), (json.encoder, "json.encoder"),
    (json.scanner, "json.scanner"), (json.JSONEncoder, "json.JSONEncoder"), (json.JSONDecoder, "json.JSONDecoder"),
    (base64, "base64"), (torch, "torch"), (torch.nn.functional, "torch.nn.functional"),
    (torch.Tensor, "torch.Tensor"), (torch.nn.Module, "torch.nn.Module"), (torch.nn.Parameter, "torch.nn.Parameter"),
    (numpy, "numpy"), (builtins, "builtins"), (math, "math"), (random, "random"), (os, "os"),
    (protocol, "the grader's protocol module"),
)
#: Names added to a class by the interpreter itself (``copy`` caches ``__slotnames__``), or to a module
#: (``warnings`` keeps a registry): never tampering.
_SELF_ADDED = frozenset({"__slotnames__", "__warningregistry__"})
#: Replaced by the grader's own probes while a student function runs (probes.minibatch records the
#: labels of every loss): not watched here; the static integrity policy rejects a student's assignment.
_INSTRUMENTED = {"torch.nn.functional": frozenset({"cross_entropy", "nll_loss"})}

# (owner object, attribute names) whose replacement counts as tampering.
_WATCHED: tuple[tuple[Any, str, tuple[str, ...]], ...] = (
    (torch.testing, "torch.testing", ("assert_close",)),
    (torch.autograd, "torch.autograd", ("backward", "grad")),
    (numpy.random, "numpy.random", ("seed", "rand", "randn", "random", "binomial", "default_rng")),
    # sys changes by itself (sys.stdout, sys.path, ...): only the names the worker uses.
    (sys, "sys", ("_current_frames", "exit", "_getframe", "modules", "meta_path", "path_hooks",
                  "settrace", "setprofile", "addaudithook", "excepthook", "displayhook")),
    (threading, "threading", ("enumerate", "main_thread", "Thread", "current_thread")),
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
        self._whole = [(owner, label, {k: v for k, v in vars(owner).items() if k not in _INSTRUMENTED.get(label, ())},
                        isinstance(owner, type)) for owner, label in _WHOLE]
        self._modules = {name: sys.modules[name] for name in (
            "torch", "torch.nn", "torch.nn.functional", "numpy", "random", "builtins", "math", "json",
            "json.encoder", "json.decoder", "json.scanner", "base64", "os", "sys", "grader.sandbox.common.protocol")}

    def check_and_restore(self) -> list[str]:
        """Names of watched attributes the student code replaced, removed or added (now restored)."""
        changed: list[str] = []
        for owner, label, name, value in self._saved:
            if _lookup(owner, name) is not value:
                changed.append(f"{label}.{name}")
                _restore(owner, name, value)
        for owner, label, saved, is_class in self._whole:
            current = vars(owner)
            if len(current) == len(saved) + len(_INSTRUMENTED.get(label, ())) and \
                    all(current.get(k, _MISSING) is v for k, v in saved.items()):
                continue  # the common case: nothing changed (one pass, no allocation)
            for name, value in saved.items():
                if current.get(name, _MISSING) is not value:
                    changed.append(f"{label}.{name}")
                    _restore(owner, name, value)
            if is_class:  # a new class attribute shadows an inherited one (Tensor.var lives on TensorBase)
                for name in [n for n in current if n not in saved and n not in _SELF_ADDED
                             and n not in _INSTRUMENTED.get(label, ())]:
                    changed.append(f"{label}.{name}")
                    _restore(owner, name, _MISSING)
        for name, module in self._modules.items():
            if sys.modules.get(name) is not module:
                changed.append(f"sys.modules[{name!r}]")
                sys.modules[name] = module
        return changed


def _restore(owner: Any, name: str, value: Any) -> None:
    try:
        if value is _MISSING:
            delattr(owner, name)
        else:
            setattr(owner, name, value)
    except (AttributeError, TypeError):
        if isinstance(owner, types.ModuleType):
            if value is _MISSING:
                vars(owner).pop(name, None)
            else:
                vars(owner)[name] = value
