"""What ``train`` and ``validation`` are judged on: one instrumented epoch on MNIST-shaped data.

The student's function runs a small instrumented model (flatten → Linear(784, 8) → tanh →
Linear(8, 3), see probe_net.ProbeNet) on a real DataLoader of 1×28×28 images whose last batch is
partial, with a counting cross-entropy as ``criterion`` and torch's SGD with momentum.  The model
is handed over in the mode the function must leave (eval for ``train``, as after a validation
pass; train for ``validation``), so a missing ``model.train()``/``model.eval()`` shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch

from grader.checks.core import CheckFailed, ItemContext, recorded_failure
from grader.checks.loops import (SETUPS, MomentumSGD, Setup, Statistics, accumulated_epoch, batch_loader,
                                 batches_of, conventions_differ, standard_batches, statistics, updates_differ)
from grader.sandbox.common.call_spec import call, role, value
from grader.sandbox.common.probe_net import CLASSES, HIDDEN, ProbeNet
from reference.mnist_logreg_cnn import train as reference_train
from reference.mnist_logreg_cnn import validation as reference_validation

IMAGE = (1, 28, 28)
FEATURES = 28 * 28
PARAM_NAMES = ("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias")
PARAM_SHAPES = ((HIDDEN, FEATURES), (HIDDEN,), (CLASSES, HIDDEN), (CLASSES,))
DISTINCT = 1e-3  #: on the chosen data, the accepted and the wrong conventions differ by more than this
#: What each function is called with (the roles grader.sandbox.probes.loop.epoch_probe supplies; see call_spec).
TRAIN_ARGS = (role("model"), role("loader"), role("criterion"), role("optimizer"), value(0), value(1))
VALIDATION_ARGS = (role("model"), role("loader"), role("criterion"))
TRAIN_CALL = "train(model, trainloader, criterion, optimizer, epoch=0, num_epochs=1)"
VALIDATION_CALL = "validation(model, valloader, criterion)"


@dataclass(frozen=True)
class Config:
    """One data set, initial weights and optimizer, with the reference's results on it."""

    setup: Setup
    x: np.ndarray  #: (samples, 1, 28, 28) images in [0, 1]
    y: np.ndarray
    weights: list[np.ndarray]
    lr: float
    trained: list[np.ndarray]  #: the parameters after the reference's training epoch
    accumulated: list[np.ndarray]  #: after a training epoch that never zeroes the gradients

    def describe(self) -> str:
        n, b = self.setup.samples, self.setup.batch_size
        return (f"{n} images of 1×28×28 in batches of {b} (the last batch holds {n % b}), "
                f"criterion nn.CrossEntropyLoss(), optimizer SGD(lr={self.lr:g}, momentum={self.setup.momentum:g})")

    @property
    def num_batches(self) -> int:
        return math.ceil(self.setup.samples / self.setup.batch_size)

    def statistics(self, record: dict[str, Any]) -> Statistics:
        return statistics(batches_of(record["forwards"]), self.y, self.setup.samples, self.num_batches)


def reference_epoch(x: np.ndarray, y: np.ndarray, weights: list[np.ndarray], setup: Setup, lr: float,
                    batches: list[list[int]] | None = None) -> dict[str, Any]:
    """The reference's training epoch over ``batches`` (the loader's own by default), its
    validation pass, and a training epoch that never zeroes the gradients."""
    batches = batches or standard_batches(setup.samples, setup.batch_size)
    loader = batch_loader(x, y, batches)
    model = ProbeNet.for_samples(x)
    model.set_weights(weights)
    reference_validation(model, loader, torch.nn.CrossEntropyLoss())
    evaluation = batches_of(model.forwards)
    optimizer = MomentumSGD(model.parameters(), lr=lr, momentum=setup.momentum)
    reference_train(model, loader, torch.nn.CrossEntropyLoss(), optimizer, 0, 1)
    leaky = ProbeNet.for_samples(x)
    leaky.set_weights(weights)
    return {"trained": [p.detach().numpy().copy() for p in model.parameters()],
            "accumulated": accumulated_epoch(leaky, loader, lr, setup.momentum), "evaluation": evaluation}


def _discriminates(reference: dict[str, Any], y: np.ndarray, setup: Setup, weights: list[np.ndarray]) -> bool:
    """On this data each accepted convention and each likely mistake gives its own number."""
    s = statistics(reference["evaluation"], y, setup.samples, math.ceil(setup.samples / setup.batch_size))
    if not conventions_differ(s, DISTINCT) or s.correct in (0, setup.samples):
        return False
    return updates_differ(weights, reference["trained"], reference["accumulated"], DISTINCT)


def _choose_config(ctx: ItemContext, setup: Setup) -> Config:
    n = setup.samples
    for attempt in range(200):
        rng = ctx.rng("mnist-loop-data", setup, attempt)
        x = rng.uniform(0.0, 1.0, (n, *IMAGE)).astype(np.float32)
        y = rng.integers(0, CLASSES, n).astype(np.int64)
        weights = [(scale * rng.standard_normal(shape)).astype(np.float32)
                   for shape, scale in zip(PARAM_SHAPES, (0.06, 0.2, 0.6, 0.2))]
        lr = round(float(rng.uniform(0.05, 0.3)), 3)
        reference = reference_epoch(x, y, weights, setup, lr)
        if _discriminates(reference, y, setup, weights):
            return Config(setup, x, y, weights, lr, reference["trained"], reference["accumulated"])
    raise RuntimeError(f"no discriminating data for {setup}")  # pragma: no cover - never seen


def config(ctx: ItemContext, setup: Setup) -> Config:
    return ctx.memoised(("mnist-loop-config", setup), lambda: _choose_config(ctx, setup))


def epoch(ctx: ItemContext, setup: Setup, train: bool) -> dict[str, Any]:
    """The record of one call of the student's function (train or validation), fetched once per setup
    for all the item's checks."""
    cfg = config(ctx, setup)
    spec = ({"train": True, "optimizer": True, "start_mode": "eval"} if train else
            {"train": False, "optimizer": False, "start_mode": "train"})
    return ctx.memoised(("mnist-loop-probe", setup, train), lambda: ctx.request("epoch_probe", {
        "call": call(ctx.name, *(TRAIN_ARGS if train else VALIDATION_ARGS)), "weights": cfg.weights, "x": cfg.x,
        "y": cfg.y, "batch_size": setup.batch_size, "lr": cfg.lr, "momentum": setup.momentum,
        "epochs": [spec]})["epochs"][0])


def completed(ctx: ItemContext, setup: Setup, train: bool) -> dict[str, Any]:
    """The epoch's record when the call returned; the student's error (explained) when it raised."""
    record = epoch(ctx, setup, train)
    failure = record.get("error")
    if failure:
        raise recorded_failure(failure, ctx.name, TRAIN_CALL if train else VALIDATION_CALL,
                               _global_hint(failure.get("summary", "")))
    return record


def _global_hint(summary: str) -> str:
    for name, argument in (("net", "model"), ("criterion", "criterion"), ("trainloader", "trainloader"),
                           ("valloader", "valloader"), ("optimizer", "optimizer")):
        if f"name '{name}' is not defined" in summary:
            return (f". The function reads a global `{name}` that the grader's call does not have: use its "
                    f"`{argument}` argument instead")
    return ""


def called_another_model(record: dict[str, Any]) -> bool:
    """The function ran some other module instead of the model it was given (a global ``net``):
    charged once, by uses_model_argument; the checks of what the given model saw have nothing to judge."""
    return not record["forwards"] and bool(record.get("other_modules"))


def for_each_setup(ctx: ItemContext, train: bool, judge: Callable[[Config, dict[str, Any]], None]) -> None:
    """``judge`` each setup's record (skipping the ones where another model was called instead)."""
    for setup in SETUPS:
        record = completed(ctx, setup, train)
        if not called_another_model(record):
            judge(config(ctx, setup), record)


def check_uses_model(ctx: ItemContext, train: bool) -> None:
    """The model passed in is the one called: the course's given ``train`` called a global ``net``."""
    function = "train" if train else "validation"
    for setup in SETUPS:
        cfg = config(ctx, setup)
        record = completed(ctx, setup, train)
        if record["forwards"]:
            continue
        others = record.get("other_modules", [])
        if others:
            other = others[0]
            named = f"`{other['names'][0]}` (a {other['type']})" if other["names"] else f"a {other['type']}"
            raise CheckFailed(f"{function} never called the model passed as its `model` argument; it called {named} "
                              f"instead. Use `outputs = model(inputs)`: with a global the function trains or "
                              "evaluates whatever that name holds, not the model it is given.", cfg.describe())
        raise CheckFailed(f"{function} never called the model passed as its `model` argument", cfg.describe())
