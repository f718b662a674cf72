"""Probes: grader code that runs inside the worker and returns plain data.

Each probe builds or looks up a student object, exercises it the way a check asks,
and reports what happened (outputs, gradients, mode, calls seen) as plain values
and NumPy arrays.  Verdicts are never computed here: the judge compares.
Imports nothing from ``reference/`` or ``assignments/``.
"""

from __future__ import annotations

import inspect
import random
from typing import Any, Callable

import numpy as np
import torch
from torch.overrides import TorchFunctionMode, resolve_name
from torch.utils._python_dispatch import TorchDispatchMode

from grader.sandbox.common.probe_net import to_array
from grader.sandbox.executor.student import StudentModule

_Tensor = torch.Tensor
_Parameter = torch.nn.Parameter
_Module = torch.nn.Module
_type = type
_isinstance = isinstance
_module_train = torch.nn.Module.train
_named_parameters = torch.nn.Module.named_parameters
_named_buffers = torch.nn.Module.named_buffers


class ProbeError(Exception):
    """The probe could not do its job (e.g. the name is not a class); message for the student."""


def seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    random.seed(seed)



def tensor_report(value: Any) -> dict[str, Any]:
    """What a student function returned where a tensor was expected."""
    if _type(value) is not _Tensor:
        kind = _type(value)
        name = f"{kind.__module__}.{kind.__qualname__}" if kind.__module__ != "builtins" else kind.__qualname__
        return {"is_tensor": False, "type": name,
                "is_tensor_subclass": _isinstance(value, _Tensor)}
    report: dict[str, Any] = {"is_tensor": True, "type": "torch.Tensor",
                              "shape": list(value.shape), "dtype": str(value.dtype).replace("torch.", ""),
                              "device": value.device.type, "requires_grad": bool(value.requires_grad),
                              "has_grad_fn": value.grad_fn is not None}
    if value.device.type != "meta":
        report["data"] = to_array(value)
    return report


class OpRecorder(TorchFunctionMode):
    """Records the names of torch functions called (to spot torch's own dropout/batch norm)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def __torch_function__(self, func, types, args=(), kwargs=None):  # noqa: ANN001
        try:
            name = resolve_name(func) or getattr(func, "__name__", repr(func))
        except Exception:  # noqa: BLE001 - naming must never break the student's call
            name = repr(func)
        self.names.add(str(name))
        return func(*args, **(kwargs or {}))


class AtenRecorder(TorchDispatchMode):
    """Records the ATen kernels of dropout and normalisation that run, whatever the entry point:
    ``torch._VF``, ``torch.ops.aten`` and code under ``DisableTorchFunction`` skip the Python-level
    spies, but every one of them reaches the dispatcher, which is where this mode sits."""

    WORDS = ("dropout", "_norm")

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # noqa: ANN001
        name = str(getattr(func, "overloadpacket", func))
        if any(word in name for word in self.WORDS):
            self.names.add(name if name.startswith("aten") else f"aten.{name}")
        return func(*args, **(kwargs or {}))


#: torch's own implementations an assignment may forbid; wrapped so that a call is seen even
#: when the student switches torch-function modes off (``torch._C.DisableTorchFunction``).
_SPIED_FUNCTIONS = {
    torch.nn.functional: ("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
                          "feature_alpha_dropout", "batch_norm", "instance_norm"),
    torch: ("dropout", "dropout_", "alpha_dropout", "feature_dropout", "feature_alpha_dropout",
            "batch_norm", "instance_norm", "native_batch_norm"),
}
_spied_calls: set[str] = set()


def install_spies() -> None:
    """Wrap the forbidden-able torch functions once, before any student code runs."""
    for owner, names in _SPIED_FUNCTIONS.items():
        for name in names:
            original = getattr(owner, name, None)
            if original is None:
                continue
            label = f"{owner.__name__}.{name}"

            def spy(*args: Any, __original: Any = original, __label: str = label, **kwargs: Any) -> Any:
                _spied_calls.add(__label)
                return __original(*args, **kwargs)

            spy.__name__ = spy.__qualname__ = name
            spy.__doc__ = getattr(original, "__doc__", None)
            setattr(owner, name, spy)


def trainable_count(module: Any) -> int:
    """How many numbers an optimizer given ``module.parameters()`` would train."""
    return int(sum(p.numel() for _, p in _named_parameters(module) if p.requires_grad))


def lookup(student: StudentModule, name: str) -> Any:
    if name not in student.namespace:
        raise ProbeError(f"`{name}` is not defined in the submission")
    return student.namespace[name]


def build(student: StudentModule, target: dict[str, Any]) -> Any:
    """Instantiate ``target["name"](*args, **kwargs)`` (or fetch an instance)."""
    obj = lookup(student, target["name"])
    if target.get("instantiate", True):
        if not callable(obj):
            raise ProbeError(f"`{target['name']}` is not a class or function")
        args = [_from_plain(a) for a in target.get("args", [])]
        kwargs = {k: _from_plain(v) for k, v in target.get("kwargs", {}).items()}
        obj = student.call(obj, *args, **kwargs)
    return obj


def _from_plain(value: Any) -> Any:
    if _isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    return value


def describe(student: StudentModule, names: list[str]) -> dict[str, Any]:
    """What each name is: class / function / module instance, and its signature."""
    out: dict[str, Any] = {}
    for name in names:
        if name not in student.namespace:
            out[name] = {"exists": False}
            continue
        obj = student.namespace[name]
        info: dict[str, Any] = {"exists": True, "type": _type(obj).__qualname__}
        if inspect.isclass(obj):
            info["kind"] = "class"
            info["is_module_class"] = issubclass(obj, _Module)
        elif inspect.isfunction(obj) or inspect.isbuiltin(obj):
            info["kind"] = "function"
        elif _isinstance(obj, _Module):
            info["kind"] = "module_instance"
        else:
            info["kind"] = "other"
        try:
            info["signature"] = str(inspect.signature(obj))
        except (TypeError, ValueError):
            info["signature"] = None
        out[name] = info
    return out


def module_info(student: StudentModule, target: dict[str, Any]) -> dict[str, Any]:
    """Registered parameters, buffers and unregistered tensor attributes of a module."""
    module = build(student, target)
    if not _isinstance(module, _Module):
        raise ProbeError(f"`{target['name']}(...)` did not produce an nn.Module "
                         f"(got {_type(module).__qualname__})")
    params = [{"name": n, "shape": list(p.shape), "requires_grad": bool(p.requires_grad),
               "values": to_array(p) if p.numel() <= 4096 else None}
              for n, p in _named_parameters(module)]
    buffers = [{"name": n, "shape": list(b.shape)} for n, b in _named_buffers(module)]
    registered = {p["name"] for p in params} | {b["name"] for b in buffers}
    loose = []
    for attr, value in vars(module).items():
        if _type(value) is _Tensor and attr not in registered:
            loose.append({"name": attr, "shape": list(value.shape), "requires_grad": bool(value.requires_grad)})
    return {"type": _type(module).__qualname__, "parameters": params, "buffers": buffers,
            "unregistered_tensors": loose,
            "trainable": trainable_count(module)}


def _make_input(call: dict[str, Any]) -> torch.Tensor:
    layout = call.get("layout", "contiguous")
    data = torch.from_numpy(np.array(call["input"], copy=True))
    if layout == "meta":
        return torch.empty(data.shape, dtype=data.dtype, device="meta")
    if layout == "noncontiguous" and data.dim() >= 2:
        # Same values, memory in transposed order: no .view() can flatten it.
        data = data.transpose(0, -1).contiguous().transpose(0, -1)
    if call.get("requires_grad") and data.is_floating_point():
        data.requires_grad_(True)
    return data


def exercise(student: StudentModule, target: dict[str, Any], calls: list[dict[str, Any]],
             set_params: dict[str, np.ndarray] | None = None) -> dict[str, Any]:
    """Build one module, set parameters and buffers by name, then run forward (and backward) calls."""
    module = build(student, target)
    if not _isinstance(module, _Module):
        raise ProbeError(f"`{target['name']}(...)` did not produce an nn.Module")
    params = dict(_named_parameters(module))
    state = {**dict(_named_buffers(module)), **params}
    for name, value in (set_params or {}).items():
        if name not in state:
            raise ProbeError(f"no parameter or buffer named {name!r}")
        with torch.no_grad():
            state[name].copy_(torch.from_numpy(np.array(value)).reshape(state[name].shape))
    return {"calls": [_one_call(student, module, params, call) for call in calls]}


def _one_call(student: StudentModule, module: Any, params: dict[str, Any], call: dict[str, Any]) -> dict[str, Any]:
    seed_everything(int(call.get("seed", 0)))
    x = _make_input(call)
    before = None if x.device.type == "meta" else x.detach().clone()
    _module_train(module, call.get("mode", "train") == "train")
    for p in params.values():
        p.grad = None
    recorder, kernels = OpRecorder(), AtenRecorder()
    result: dict[str, Any] = {}
    _spied_calls.clear()
    try:
        with recorder, kernels:
            out = student.call(module, x)
    finally:
        result["torch_functions"] = sorted(recorder.names | kernels.names | _spied_calls)
    result["output"] = tensor_report(out)
    if before is not None:
        result["input_changed"] = not bool(torch.equal(x.detach(), before))
    grad_output = call.get("grad_output")
    if grad_output is not None and result["output"]["is_tensor"]:
        result["backward"] = _backward(student, x, out, params, grad_output)
    return result


def _backward(student: StudentModule, x: torch.Tensor, out: torch.Tensor, params: dict[str, Any],
              grad_output: np.ndarray) -> dict[str, Any]:
    if not out.requires_grad:
        return {"connected": False}
    g = torch.from_numpy(np.array(grad_output)).to(out.dtype)
    if tuple(g.shape) != tuple(out.shape):
        return {"connected": True,
                "error": f"the output has shape {tuple(out.shape)}, not the expected {tuple(g.shape)}"}
    student.call(torch.autograd.backward, out, g)
    return {"connected": True,
            "input_grad": None if x.grad is None else to_array(x.grad),
            "param_grads": {n: None if p.grad is None else to_array(p.grad) for n, p in params.items()}}


def warm_up() -> None:
    """Exercise every torch path the probes use once, before the guard's snapshot."""
    install_spies()
    seed_everything(0)
    x = torch.ones(2, 2, requires_grad=True)
    with OpRecorder():
        y = (x * torch.rand_like(x)).sum()
    torch.autograd.backward(y, torch.ones(()))
    to_array(x.grad)
    torch.equal(x.detach(), x.detach().clone())
    meta = torch.empty(2, 3, device="meta")  # meta kernels import torch._dynamo, which rewraps torch.manual_seed
    (torch.rand_like(meta) > 0.5).float() * meta


#: Operations the judge may request, by name.
PROBES: dict[str, Callable[..., Any]] = {
    "describe": describe,
    "module_info": module_info,
    "exercise": exercise,
}
