"""Building blocks for the per-assignment behaviour declarations (``assignments/<name>/mutation.py``).

A declaration maps each item to a function of the module's namespace returning named *probes*:
zero-argument callables whose return value (tensors, numbers, strings, nested in dicts and tuples) is
the behaviour compared between the reference and a mutant.  The differential test seeds torch,
numpy and random before each probe and records what it prints, so a probe only has to build its
inputs and call the code.  Everything here is small on purpose: a probe runs in well under a second.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

Probe = Callable[[], Any]
Probes = dict[str, Probe]


def state(module: nn.Module) -> dict[str, torch.Tensor]:
    """Parameters and buffers, detached copies, by name."""
    return {name: value.detach().clone() for name, value in module.state_dict().items()}


def module_probes(label: str, build: Callable[[], nn.Module], make_input: Callable[[], torch.Tensor]) -> Probes:
    """A module built with the same seed: its parameters, a train-mode forward and backward
    (output, input and parameter gradients, buffers after), and an eval-mode forward."""

    def parameters() -> Any:
        return state(build())

    def train_mode() -> Any:
        module = build()
        module.train()
        x = make_input().requires_grad_(True)
        y = module(x)
        # the output's weights come from a generator of their own: a mutant that draws one random number
        # less (no mask at p = 0) must not get other weights and look different
        weights = torch.randn(y.shape, generator=torch.Generator().manual_seed(len(y.shape)))
        (y * weights).sum().backward()
        return {"output": y.detach(), "input gradient": x.grad,
                "parameter gradients": {n: p.grad for n, p in module.named_parameters()},
                "state after": state(module), "training flag after": module.training}

    def eval_mode() -> Any:
        module = build()
        module.eval()
        with torch.no_grad():
            return {"output": module(make_input()), "training flag after": module.training}

    return {f"{label}: parameters": parameters, f"{label}: forward and backward in train mode": train_mode,
            f"{label}: forward in eval mode": eval_mode}


def copied(instance: nn.Module) -> Callable[[], nn.Module]:
    """``build`` for an item that is an instance: a fresh copy each time."""
    return lambda: copy.deepcopy(instance)


class Watched(nn.Module):
    """A small classifier that logs each forward: (training flag, gradients enabled, batch shape).

    Its dropout makes train and eval mode give different outputs, so a loop in the wrong mode
    changes its losses, not only the log."""

    def __init__(self, features: int = 6, classes: int = 3, dropout: float = 0.3) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(features, 8), nn.Dropout(dropout), nn.ReLU(), nn.Linear(8, classes))
        self.log: list[tuple[bool, bool, tuple[int, ...]]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.log.append((self.training, torch.is_grad_enabled(), tuple(x.shape)))
        return self.net(x.reshape(x.shape[0], -1))


class CountingSGD(torch.optim.SGD):
    """SGD that counts its ``step`` and ``zero_grad`` calls."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.steps = 0
        self.zeroed = 0

    def step(self, closure: Any = None) -> Any:  # type: ignore[override]
        self.steps += 1
        return super().step(closure)

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.zeroed += 1
        super().zero_grad(set_to_none)


def data(samples: int, features: int = 6, classes: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    """Seeded inputs and labels (the seed is set before each probe)."""
    return torch.randn(samples, features), torch.randint(0, classes, (samples,))


def loader(samples: int, batch_size: int, features: int = 6, classes: int = 3) -> DataLoader:
    """A data loader over :func:`data`, in order (the last batch may be short)."""
    return DataLoader(TensorDataset(*data(samples, features, classes)), batch_size=batch_size)


def after_training(model: Watched, optimizer: CountingSGD | None, returned: Any = None) -> dict[str, Any]:
    """What a training or evaluation loop left behind."""
    seen = {"returned": returned, "parameters after": state(model), "forward calls (training, grad, shape)":
            list(model.log), "training flag after": model.training}
    if optimizer is not None:
        seen["optimizer steps"] = optimizer.steps
        seen["zero_grad calls"] = optimizer.zeroed
    return seen
