"""Probes of how a network is put together: its parameters, its blocks and its forward pass.

They answer the questions the ResidualBlock / ResidualStack / resnet checks ask without
the reference ever entering the worker: which parameters and submodules are registered
(and which modules hide in plain Python lists), which blocks a stack builds and with
which arguments, and which modules a forward pass runs, in which order, with which shapes.
Everything returned is plain data.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np
import torch

from grader.sandbox.common.module_units import parameter_units
from grader.sandbox.executor.student import StudentCodeError, StudentModule
from grader.sandbox.probes.core import (ProbeError, _isinstance, _Module, _module_train, _type, build, lookup,
                                        seed_everything, tensor_report, to_array, trainable_count)

_named_modules = torch.nn.Module.named_modules
_Conv2d = torch.nn.Conv2d
_BatchNorm2d = torch.nn.modules.batchnorm._BatchNorm
_Linear = torch.nn.Linear
_Sequential = torch.nn.Sequential


def _module(student: StudentModule, target: dict[str, Any]) -> Any:
    module = build(student, target)
    if not _isinstance(module, _Module):
        raise ProbeError(f"`{target['name']}` did not give an nn.Module (got {_type(module).__qualname__})")
    return module


def _hidden_modules(module: Any) -> list[dict[str, Any]]:
    """Modules kept in plain lists, tuples or dicts: invisible to .parameters() and .to()."""
    hidden = []
    for prefix, sub in _named_modules(module):
        for attr, value in vars(sub).items():
            if _type(value) in (list, tuple):
                count = sum(1 for v in value if _isinstance(v, _Module))
            elif _type(value) is dict and attr != "_modules":  # _modules is where PyTorch registers them
                count = sum(1 for v in value.values() if _isinstance(v, _Module))
            else:
                continue
            if count:
                hidden.append({"attribute": f"{prefix}.{attr}" if prefix else attr,
                               "container": _type(value).__name__, "modules": count})
    return hidden


def module_layout(student: StudentModule, target: dict[str, Any]) -> dict[str, Any]:
    """Registered parameters (grouped by owning submodule), hidden modules, trainable count."""
    seed_everything(0)
    module = _module(student, target)
    return {"type": _type(module).__qualname__, "sequential": _isinstance(module, _Sequential),
            "units": parameter_units(module), "hidden_modules": _hidden_modules(module),
            "trainable": trainable_count(module)}


# -- which blocks does a container build? --------------------------------------------

def _bound_arguments(init: Callable[..., Any], instance: Any, args: tuple[Any, ...],
                     kwargs: dict[str, Any], count: int) -> list[Any]:
    """The first ``count`` arguments after ``self``, defaults applied, whatever the caller's style."""
    try:
        bound = inspect.signature(init).bind(instance, *args, **kwargs)
        bound.apply_defaults()
        values = list(bound.arguments.values())[1:]
    except (TypeError, ValueError):
        values = list(args) + list(kwargs.values())
    return [v if _type(v) in (int, float, bool, str) or v is None else repr(v) for v in values[:count]]


def container_blocks(student: StudentModule, target: dict[str, Any], block_class: str, input: np.ndarray,
                     arg_count: int = 3) -> dict[str, Any]:
    """Build ``target`` while recording every ``block_class`` it constructs, then compare its forward
    with the recorded blocks applied one after the other.

    The recording wraps the class's own ``__init__`` for the duration of the build (a subclass
    would break ``super(ResidualBlock, self)`` in the student's code).
    """
    cls = lookup(student, block_class)
    if not inspect.isclass(cls):
        raise ProbeError(f"`{block_class}` is not a class")
    own_init = vars(cls).get("__init__")
    original = cls.__init__
    built: list[tuple[Any, list[Any]]] = []

    def recording_init(self: Any, *args: Any, **kwargs: Any) -> None:
        arguments = _bound_arguments(original, self, args, kwargs, arg_count)
        original(self, *args, **kwargs)
        built.append((self, arguments))

    seed_everything(0)
    cls.__init__ = recording_init
    try:
        container = _module(student, target)
    finally:
        if own_init is None:
            delattr(cls, "__init__")
        else:
            cls.__init__ = own_init
    registered = {id(m): name for name, m in _named_modules(container)}
    report: dict[str, Any] = {
        "blocks": [{"arguments": arguments, "registered_as": registered.get(id(block)),
                    "trainable": trainable_count(block)}
                   for block, arguments in built],
        "trainable": trainable_count(container),
        "hidden_modules": _hidden_modules(container),
    }
    report["forward"] = {mode: _compare_with_chain(student, container, [b for b, _ in built], input, mode)
                         for mode in ("eval", "train")}
    return report


def _compare_with_chain(student: StudentModule, container: Any, blocks: list[Any], input: np.ndarray,
                        mode: str) -> dict[str, Any]:
    """The container's output next to its blocks applied one after the other.

    A failure of either is reported in the result, not raised, so that the structural
    facts gathered before stay gradable when forward breaks.
    """
    x = torch.from_numpy(np.array(input, copy=True))
    order: list[int] = []
    handles = [block.register_forward_pre_hook(lambda m, a, i=i: order.append(i)) for i, block in enumerate(blocks)]
    _module_train(container, mode == "train")
    for block in blocks:
        _module_train(block, mode == "train")
    result: dict[str, Any] = {}
    try:
        with torch.no_grad():
            try:
                result["output"] = tensor_report(student.call(container, x.clone()))
            except StudentCodeError as exc:
                result["output_error"] = exc.failure
            result["blocks_called"] = list(order)
            try:
                chained = x.clone()
                for block in blocks:
                    chained = student.call(block, chained)
                result["blocks_in_sequence"] = tensor_report(chained)
            except StudentCodeError as exc:
                result["blocks_error"] = exc.failure
    finally:
        for handle in handles:
            handle.remove()
    return result


# -- what does a forward pass run? ------------------------------------------------------

def _layer_attributes(module: Any) -> dict[str, Any]:
    if _isinstance(module, _Conv2d):
        padding = module.padding if _type(module.padding) is str else list(module.padding)
        return {"layer": "conv2d", "in_channels": module.in_channels, "out_channels": module.out_channels,
                "kernel_size": list(module.kernel_size), "stride": list(module.stride), "padding": padding,
                "bias": module.bias is not None}
    if _isinstance(module, _BatchNorm2d):
        return {"layer": "batchnorm", "num_features": module.num_features}
    if _isinstance(module, _Linear):
        return {"layer": "linear", "in_features": module.in_features, "out_features": module.out_features,
                "bias": module.bias is not None}
    return {"layer": "other"}


def _shape(value: Any) -> list[int] | None:
    if _isinstance(value, torch.Tensor):
        return list(value.shape)
    if _type(value) in (tuple, list) and value and _isinstance(value[0], torch.Tensor):
        return list(value[0].shape)
    return None


def trace_forward(student: StudentModule, target: dict[str, Any], input: np.ndarray, mode: str = "eval",
                  watch: list[str] | None = None, capture: list[str] | None = None) -> dict[str, Any]:
    """Run one forward pass recording every module call in the order the calls start.

    ``watch`` names student classes (e.g. "ResidualBlock") whose instances are marked;
    ``capture`` names modules whose input and output tensors are sent back.
    """
    model = _module(student, target)
    watched = {}
    for name in watch or ():
        cls = student.namespace.get(name)
        if inspect.isclass(cls):
            watched[name] = cls
    capture_set = set(capture or ())
    calls: list[dict[str, Any]] = []
    captured: dict[str, dict[str, Any]] = {}
    handles = []

    def pre_hook(name: str, module: Any) -> Callable[..., None]:
        def hook(mod: Any, args: tuple[Any, ...]) -> None:
            kinds = [w for w, cls in watched.items() if _isinstance(mod, cls)]
            calls.append({"name": name, "type": _type(mod).__qualname__, "watched": kinds,
                          "leaf": not any(True for _ in mod.children()), "input_shape": _shape(args[0]) if args else None,
                          "output_shape": None, **_layer_attributes(mod)})
            mod.__dict__.setdefault("_grader_call_stack", []).append(len(calls) - 1)
            if name in capture_set and args and _isinstance(args[0], torch.Tensor):
                captured.setdefault(name, {})["input"] = to_array(args[0])
        return hook

    def post_hook(name: str) -> Callable[..., None]:
        def hook(mod: Any, args: tuple[Any, ...], output: Any) -> None:
            stack = mod.__dict__.get("_grader_call_stack") or []
            if stack:
                calls[stack.pop()]["output_shape"] = _shape(output)
            if name in capture_set and _isinstance(output, torch.Tensor):
                captured.setdefault(name, {})["output"] = to_array(output)  # copied now: a later in-place ReLU must not change it
        return hook

    modules = list(_named_modules(model))
    for name, module in modules:
        handles.append(module.register_forward_pre_hook(pre_hook(name, module)))
        handles.append(module.register_forward_hook(post_hook(name)))
    seed_everything(0)
    _module_train(model, mode == "train")
    try:
        with torch.no_grad():
            out = student.call(model, torch.from_numpy(np.array(input, copy=True)))
    finally:
        for handle in handles:
            handle.remove()
        for _, module in modules:
            module.__dict__.pop("_grader_call_stack", None)
    return {"calls": calls, "captured": captured, "output": tensor_report(out),
            "trainable": trainable_count(model)}


STRUCTURE_PROBES: dict[str, Callable[..., Any]] = {
    "module_layout": module_layout,
    "container_blocks": container_blocks,
    "trace_forward": trace_forward,
}
