"""Following a loop's batches through every torch call, as if the model lived on a GPU.

A CPU-only machine cannot raise a device mismatch, so :class:`DeviceTracker` marks the loader's
batches as host data and records every call that mixes them with the model's ("device") data, as
"Expected all tensors to be on the same device" would on a GPU.  Runs in the executor (probes.loop);
knows nothing of any assignment.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

import torch
from torch.overrides import TorchFunctionMode, resolve_name
from torch.utils.data._utils.collate import default_collate

from grader.sandbox.executor.student import StudentModule
from grader.sandbox.probes.core import _isinstance, _Tensor, _type

MAX_MISMATCHES = 20  #: device mismatches kept per epoch (the first ones say it all)


def _tensors(value: Any, out: list[torch.Tensor]) -> list[torch.Tensor]:
    """Every tensor inside nested tuples, lists and dicts (arguments and results of torch calls)."""
    if _isinstance(value, _Tensor):
        out.append(value)
    elif _type(value) in (tuple, list) or _isinstance(value, tuple):
        for v in value:
            _tensors(v, out)
    elif _type(value) is dict:
        for v in value.values():
            _tensors(v, out)
    return out


def _target_device(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The device argument of ``Tensor.to(...)``, or None when it only changes the dtype."""
    if "device" in kwargs:
        return kwargs["device"]
    for a in args[1:]:
        if _isinstance(a, (str, torch.device, _Tensor)) or (_type(a) is int):
            return a
    return None


def _is_cuda(device: Any) -> bool:
    if _type(device) is int:
        return True
    try:
        return torch.device(device).type == "cuda"
    except (RuntimeError, TypeError, ValueError):
        return False


class DeviceTracker(TorchFunctionMode):
    """Follows the loader's batches through every torch call, as if the model lived on a GPU.

    Batches start on the "host"; ``.to(device)`` and ``.cuda()`` move them to the model's
    "device" (on this machine a CUDA target is simulated by a copy); other results inherit the
    side of their inputs.  A call mixing host batch data (not a 0-dim scalar, which CUDA
    accepts) with device data (the parameters and everything computed from them) is exactly
    what raises "Expected all tensors to be on the same device" on a GPU: it is recorded, as is
    ``.numpy()`` on device data.  Tensors are identified by object and kept alive meanwhile.

    ``global_devices`` names the stand-ins for notebook-level devices (see
    :func:`global_device_stand_ins`): a batch moved with one of them (recognised by identity) goes
    to that global's device, not necessarily the model's, so it stays on the host and the global's
    name is noted in ``global_moves`` (it explains a mismatch that follows; alone it is no fault).
    Once the model's data is moved to an equal device (``Module.to`` parses its argument into a new
    object, so here equality is all there is), the global is the model's device from then on.
    """

    def __init__(self, parameters: list[torch.Tensor], global_devices: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.global_devices = {id(v): (k, v) for k, v in (global_devices or {}).items()}
        self.host: dict[int, torch.Tensor] = {}
        self.device: dict[int, torch.Tensor] = {id(p): p for p in parameters}
        self.batch_of: dict[int, int] = {}  #: which yielded batch (0, 1, ...) a tensor comes from
        self.mismatches: list[dict[str, Any]] = []
        self.global_moves: list[str] = []  #: names of the notebook-level devices batches were moved with
        self.in_forward = False
        self.batches = 0

    def collate(self, samples: list[Any]) -> Any:
        """The DataLoader's collate_fn: torch's own, with the batch's tensors marked as host data."""
        batch = default_collate(samples)
        for t in _tensors(batch, []):
            self.host[id(t)] = t
            self.batch_of[id(t)] = self.batches
        self.batches += 1
        return batch

    def is_host(self, t: Any) -> bool:
        return id(t) in self.host

    def _record(self, func: Any, why: str) -> None:
        if len(self.mismatches) < MAX_MISMATCHES:
            try:
                name = resolve_name(func) or getattr(func, "__name__", repr(func))
            except Exception:  # noqa: BLE001 - naming must never break the student's call
                name = repr(func)
            self.mismatches.append({"function": str(name), "in_forward": self.in_forward, "why": why})

    def __torch_function__(self, func, types, args=(), kwargs=None):  # noqa: ANN001
        kwargs = kwargs or {}
        inputs = _tensors(args, _tensors(kwargs, []))
        host = [t for t in inputs if id(t) in self.host]
        on_device = any(id(t) in self.device for t in inputs)
        if func is _Tensor.cuda or (func is _Tensor.to and _target_device(args, kwargs) is not None):
            out = self._move(func, args, kwargs)
        elif func is _Tensor.cpu:
            out = func(*args, **kwargs)
            if out is args[0]:
                out = _Tensor.clone(out)
            self.host[id(out)] = out
        else:
            if on_device and func in (_Tensor.numpy, _Tensor.__array__):
                self._record(func, "numpy")
            elif on_device and any(_Tensor.dim(t) > 0 for t in host):
                self._record(func, "mixed")
            out = func(*args, **kwargs)
            side = self.device if on_device else self.host if host else None
            if side is not None:
                for t in _tensors(out, []):
                    side[id(t)] = t
        batches = [self.batch_of[id(t)] for t in inputs if id(t) in self.batch_of]
        if batches:
            for t in _tensors(out, []):
                if id(t) in self.host or id(t) in self.device:  # kept alive there, so the id stays its own
                    self.batch_of[id(t)] = max(batches)
        return out

    def _equals_a_global(self, target: Any) -> bool:
        try:
            return any(torch.device(target) == torch.device(v) for _, v in self.global_devices.values())
        except (RuntimeError, TypeError, ValueError):
            return False

    def _move(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        source = args[0]
        target = _target_device(args, kwargs) if func is _Tensor.to else "cuda"
        if _isinstance(target, _Tensor):
            side = self.device if id(target) in self.device else self.host if id(target) in self.host else None
        elif id(source) in self.device and self._equals_a_global(target):
            self.global_devices.clear()  # the model moved to the global's device: they agree from now on
            side = self.device
        elif id(target) in self.global_devices:
            name = self.global_devices[id(target)][0]
            if name not in self.global_moves:
                self.global_moves.append(name)
            side = self.host
        else:
            side = self.device
        if func is _Tensor.cuda:
            out = source  # simulated: this machine may have no GPU
        elif _isinstance(target, _Tensor) or not _is_cuda(target):
            out = func(*args, **kwargs)
        else:
            rest = [a for a in args[1:] if a is not target]
            out = func(source, "cpu", *rest, **{k: v for k, v in kwargs.items() if k != "device"})
        if out is source and id(source) in self.host:
            out = _Tensor.clone(source)  # a moved batch is a new tensor, as it would be on a GPU
        if side is not None:
            side[id(out)] = out
        return out


@contextlib.contextmanager
def cuda_reported_available() -> Iterator[None]:
    """While the tracker simulates a GPU, ``torch.cuda.is_available()`` says there is one, so that a
    loop written ``if torch.cuda.is_available(): xb = xb.cuda()`` moves its batches here too."""
    original = torch.cuda.is_available
    torch.cuda.is_available = lambda: True
    try:
        yield
    finally:
        torch.cuda.is_available = original


def global_device_stand_ins(student: StudentModule) -> dict[str, Any]:
    """A fresh, equal copy of each notebook-level device (a ``torch.device``, or a device string
    bound to a name containing "device"), recognisable by identity when a loop moves data with it."""
    stand_ins: dict[str, Any] = {}
    for name, value in list(student.namespace.items()):
        if _type(value) is torch.device:
            stand_ins[name] = torch.device(value.type, value.index) if value.index is not None \
                else torch.device(value.type)
        elif _type(value) is str and "device" in name.lower() and len(value) > 1:
            try:
                torch.device(value)
            except (RuntimeError, TypeError, ValueError):
                continue
            stand_ins[name] = "".join(list(value))  # equal, but a new object
    return stand_ins
