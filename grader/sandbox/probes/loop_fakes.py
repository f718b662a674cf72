"""The stand-ins the loop probes hand to a student's loop, and how what it returns is reported.

Counting versions of torch's SGD and cross-entropy, a recording learning-rate scheduler, and the
plain-data form of returned values.  Run in the executor; know nothing of any assignment.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from grader.sandbox.probes.core import _isinstance, _Tensor, _type, to_array

_parameters = torch.nn.Module.parameters


class CountingSGD(torch.optim.SGD):
    """torch's SGD, counting zero_grad() and step() calls (reported, never graded by count)."""

    def __init__(self, params: Any, **kwargs: Any) -> None:
        super().__init__(params, **kwargs)
        self.calls = {"zero_grad": 0, "step": 0}

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.calls["zero_grad"] += 1
        super().zero_grad(set_to_none)

    def step(self, closure: Any = None) -> Any:
        self.calls["step"] += 1
        return super().step(closure)


def to_number(value: Any) -> dict[str, Any]:
    """A returned value as plain data: a Python/NumPy number or a 0-dim tensor becomes a float."""
    kind = _type(value)
    if kind in (int, float) or (_isinstance(value, np.generic) and np.issubdtype(kind, np.number)):
        return {"number": float(value)}
    if kind is _Tensor and _Tensor.dim(value) == 0 and value.device.type != "meta":
        return {"number": float(to_array(value)), "tensor": True}
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    report: dict[str, Any] = {"type": name}
    if kind is _Tensor:
        report["shape"] = [int(s) for s in value.shape]
    return report


def describe_return(value: Any) -> dict[str, Any]:
    if _type(value) in (tuple, list):
        return {"type": _type(value).__name__, "length": len(value), "items": [to_number(v) for v in value[:4]]}
    return {"type": to_number(value).get("type", "number"), "length": None, "items": [to_number(value)]}


def params_of(model: nn.Module) -> list[np.ndarray]:
    return [to_array(p) for p in _parameters(model)]


class CountingCrossEntropy(nn.CrossEntropyLoss):
    """The criterion handed to a loop that takes one: torch's cross-entropy, counting its calls."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:  # noqa: A002 - torch's names
        self.calls += 1
        return super().forward(input, target)


class Number(float):
    """A float that also answers ``.item()``, for a ``fit`` written against tensor results."""

    def item(self) -> float:
        return float(self)


class RecordingScheduler:
    """Stands in for the learning-rate scheduler: records each ``step(...)`` (any arguments)."""

    def __init__(self, optimizer: torch.optim.Optimizer, events: list[dict[str, Any]]) -> None:
        self.optimizer = optimizer
        self.last_epoch = 0
        self._events = events

    def step(self, *args: Any, **kwargs: Any) -> None:
        self._events.append({"event": "scheduler_step"})
        self.last_epoch += 1

    def get_last_lr(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        return {"last_epoch": self.last_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.last_epoch = state.get("last_epoch", self.last_epoch)
