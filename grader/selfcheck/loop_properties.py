"""Public check builders for training and evaluation functions: one instrumented epoch, no reference.

The harness's ``epoch_probe`` runs the student's function on a small instrumented model (a flatten,
two linear layers) and a DataLoader of fixed random images whose last batch is partial; it records
every forward pass (mode, gradients), the parameters before and after, and what came back.  The
builders here judge properties of that record alone (the mode the model ran in, whether the weights
moved, the shape of what was returned), so they ship in a student bundle without the reference.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from grader.checks.core import Check, CheckFailed, ItemContext, recorded_failure
from grader.sandbox.common.call_spec import call

# grader.checks.loops and probe_net import torch: imported when a loop check runs, so that checking an
# untouched template (no check runs) stays about a second

__all__ = ["epoch_mode", "returns_loss_accuracy", "weights_change"]

SAMPLES, BATCH, IMAGE = 14, 4, (1, 6, 6)  #: batches of 4, 4, 4 and 2
Args = tuple[Any, ...]  #: the call's arguments as call_spec roles and values


def _describe(train: bool) -> str:
    return (f"{SAMPLES} images of {'×'.join(map(str, IMAGE))} in batches of {BATCH} (the last holds "
            f"{SAMPLES % BATCH}), {'SGD with momentum' if train else 'no optimizer'}")


def _epoch(ctx: ItemContext, args: Args, train: bool, shown: str) -> dict[str, Any]:
    """The record of one call of the student's function, fetched once per (args, train) for the item."""
    def fetch() -> dict[str, Any]:
        from grader.sandbox.common.probe_net import CLASSES, HIDDEN

        rng = ctx.rng("public-epoch")
        x = rng.uniform(0.0, 1.0, (SAMPLES, *IMAGE)).astype(np.float32)
        y = rng.integers(0, CLASSES, SAMPLES).astype(np.int64)
        features = int(np.prod(IMAGE))
        weights = [(0.3 * rng.standard_normal(shape)).astype(np.float32)
                   for shape in ((HIDDEN, features), (HIDDEN,), (CLASSES, HIDDEN), (CLASSES,))]
        spec = {"train": train, "optimizer": train, "start_mode": "eval" if train else "train"}
        return ctx.request("epoch_probe", {"call": call(ctx.name, *args), "weights": weights, "x": x, "y": y,
                                           "batch_size": BATCH, "lr": 0.1, "momentum": 0.9, "epochs": [spec]})[
            "epochs"][0]
    record = ctx.memoised(("public-epoch", repr(args), train), fetch)
    if record.get("error"):
        raise recorded_failure(record["error"], ctx.name, shown)
    return record


def _check(name: str, description: str, points: float, args: Args, train: bool, shown: str,
           judge: Callable[[dict[str, Any]], None]) -> Check:
    def run(ctx: ItemContext) -> None:
        record = _epoch(ctx, args, train, shown)
        try:
            judge(record)
        except CheckFailed as exc:
            raise CheckFailed(exc.message, exc.counterexample or f"{shown} on {_describe(train)}") from None
    return Check(name, description, points, run)


def epoch_mode(name: str, args: Args, train: bool, shown: str, points: float = 1) -> Check:
    """Every forward pass of the model passed in runs in training (or evaluation) mode; the model arrives
    in the other mode, so a missing ``model.train()``/``model.eval()`` shows."""
    wanted = "training" if train else "evaluation"

    def judge(record: dict[str, Any]) -> None:
        forwards = record["forwards"]
        if not forwards:
            raise CheckFailed(f"{shown} never called the model passed in as its argument")
        wrong = sum(bool(f["training"]) != train for f in forwards)
        if wrong:
            call_ = "model.train()" if train else "model.eval()"
            raise CheckFailed(f"{wrong} of {len(forwards)} forward passes ran in the wrong mode: call {call_} "
                              f"before the loop (the model came in {'evaluation' if train else 'training'} mode)")
    return _check(name, f"the model runs in {wanted} mode in every forward pass of `{shown}`", points, args,
                  train, shown, judge)


def weights_change(name: str, args: Args, train: bool, shown: str, points: float = 1) -> Check:
    """A training pass moves the parameters; an evaluation pass leaves them as they were."""
    def judge(record: dict[str, Any]) -> None:
        moved = any(not np.array_equal(a, b) for a, b in zip(record["params_after"], record["params_before"]))
        if moved != train:
            raise CheckFailed(f"{shown} {'left the parameters unchanged' if train else 'changed the parameters'}; "
                              f"{'a training pass takes optimizer steps' if train else 'evaluating takes no step'}")
    what = "moves the model's parameters" if train else "leaves the model's parameters as they were"
    return _check(name, f"`{shown}` {what}", points, args, train, shown, judge)


def returns_loss_accuracy(name: str, args: Args, train: bool, shown: str, points: float = 1) -> Check:
    """The function returns two numbers, (loss, accuracy), with the accuracy a fraction."""
    def judge(record: dict[str, Any]) -> None:
        from grader.checks.loops import returned_pair, returned_text

        pair = returned_pair(record)
        if pair is None:
            raise CheckFailed(f"{shown} returned {returned_text(record['returned'])}; expected two numbers, "
                              "(loss, accuracy)")
        if not 0.0 <= pair[1] <= 1.0:
            raise CheckFailed(f"the accuracy returned is {pair[1]:.6g}; expected a fraction between 0 and 1 "
                              "(correct samples / number of samples)")
    return _check(name, f"`{shown}` gives back two numbers, (loss, accuracy), the accuracy a fraction",
                  points, args, train, shown, judge)
