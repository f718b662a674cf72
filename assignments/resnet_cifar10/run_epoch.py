"""Checks of ``run_epoch(model, optimizer, dataloader, train)``: one epoch of training or evaluation.

Judged by effect (GRADING-DECISIONS.md): the student's function runs a small instrumented model
(Linear → tanh → Linear) on a real DataLoader whose last batch is partial, a training epoch and
then an evaluation epoch with ``optimizer=None``.  After training the parameters must equal those
of the reference epoch; evaluation must run in eval mode without gradients and leave the
parameters alone; the loss and accuracy are computed from the logits the model actually produced,
so each check judges one property even when another is wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.checks.core import Check, CheckFailed, ItemContext, StudentCodeFailed, recorded_failure
from grader.checks.loops import (SETUPS, Batches, MomentumSGD, Setup, Statistics, accumulated_epoch, batch_loader,
                                 batches_of, check_accuracy, check_every_sample_once, check_trained,
                                 conventions_differ, returned_pair, returned_text, returned_value, standard_batches,
                                 statistics, updates_differ)
from grader.sandbox.common.call_spec import call, role
from grader.sandbox.common.probe_net import CLASSES, HIDDEN, IN_FEATURES, ProbeNet
from reference.resnet_cifar10 import run_epoch as reference_run_epoch

LOSS_RTOL = 1e-5  #: relative tolerance of the returned loss
DISTINCT = 1e-3  #: on the chosen data, the accepted and the wrong conventions differ by more than this
PARAM_NAMES = ("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias")
PARAM_SHAPES = ((HIDDEN, IN_FEATURES), (HIDDEN,), (CLASSES, HIDDEN), (CLASSES,))


def run_epoch_call(name: str) -> dict[str, Any]:
    """``run_epoch(model, optimizer, dataloader, train)``, as the probe is to make it (call_spec)."""
    return call(name, role("model"), role("optimizer"), role("loader"), role("train_flag"))


@dataclass(frozen=True)
class Config:
    """One dataset, initial weights and optimizer, with the reference's results on it."""

    setup: Setup
    x: np.ndarray
    y: np.ndarray
    weights: list[np.ndarray]
    lr: float
    reference_params: list[np.ndarray]  #: after the reference's training epoch
    accumulated_params: list[np.ndarray]  #: after a training epoch that never zeroes the gradients

    def describe(self) -> str:
        n, b = self.setup.samples, self.setup.batch_size
        return (f"{n} samples in batches of {b} (the last batch holds {n % b}), "
                f"optimizer SGD(lr={self.lr:g}, momentum={self.setup.momentum:g})")


def setup_statistics(batches: Batches, y: np.ndarray, setup: Setup) -> Statistics:
    return statistics(batches, y, setup.samples, math.ceil(setup.samples / setup.batch_size))


# -- the reference, in this process ------------------------------------------------------------

def _reference(x: np.ndarray, y: np.ndarray, weights: list[np.ndarray], setup: Setup, lr: float,
               batches: list[list[int]] | None = None) -> dict[str, Any]:
    """The reference's training epoch, then its evaluation epoch, over ``batches`` (the loader's own by
    default), and a training epoch that never zeroes the gradients."""
    model = ProbeNet(x)
    model.set_weights(weights)
    optimizer = MomentumSGD(model.parameters(), lr=lr, momentum=setup.momentum)
    loader = batch_loader(x, y, batches or standard_batches(setup.samples, setup.batch_size))
    reference_run_epoch(model, optimizer, loader, True)
    trained = [p.detach().numpy().copy() for p in model.parameters()]
    train_forwards, model.forwards = model.forwards, []
    reference_run_epoch(model, None, loader, False)
    leaky = ProbeNet(x)
    leaky.set_weights(weights)
    return {"trained": trained, "accumulated": accumulated_epoch(leaky, loader, lr, setup.momentum),
            "train": batches_of(train_forwards), "eval": batches_of(model.forwards)}


def _discriminates(reference: dict[str, Any], y: np.ndarray, setup: Setup, weights: list[np.ndarray]) -> bool:
    """On this data every accepted loss convention, and each accuracy mistake, gives its own number."""
    for mode in ("train", "eval"):
        s = setup_statistics(reference[mode], y, setup)
        if not conventions_differ(s, DISTINCT) or s.correct == 0:
            return False
    return updates_differ(weights, reference["trained"], reference["accumulated"], DISTINCT)


def _choose_config(ctx: ItemContext, setup: Setup) -> Config:
    n = setup.samples
    for attempt in range(200):
        rng = ctx.rng("run_epoch-data", setup, attempt)
        x = (1.5 * rng.standard_normal((n, IN_FEATURES))).astype(np.float32)
        y = rng.integers(0, CLASSES, n).astype(np.int64)
        weights = [(scale * rng.standard_normal(shape)).astype(np.float32)
                   for shape, scale in zip(PARAM_SHAPES, (0.6, 0.2, 0.6, 0.2))]
        lr = round(float(rng.uniform(0.05, 0.3)), 3)
        reference = _reference(x, y, weights, setup, lr)
        if _discriminates(reference, y, setup, weights):
            return Config(setup, x, y, weights, lr, reference["trained"], reference["accumulated"])
    raise RuntimeError(f"no discriminating run_epoch data for {setup}")  # pragma: no cover - never seen


def config(ctx: ItemContext, setup: Setup) -> Config:
    return ctx.memoised(("run_epoch-config", setup), lambda: _choose_config(ctx, setup))


# -- the probe, once per setup for all checks ----------------------------------------------------

def _epochs(ctx: ItemContext, setup: Setup, eval_optimizer: bool = False) -> list[dict[str, Any]]:
    """A training epoch (model handed over in eval mode), then an evaluation epoch (model handed over
    in training mode) given ``optimizer=None`` (or the optimizer, when ``eval_optimizer``)."""
    cfg = config(ctx, setup)
    return ctx.memoised(("run_epoch-probe", setup, eval_optimizer), lambda: ctx.request("epoch_probe", {
        "call": run_epoch_call(ctx.name), "weights": cfg.weights, "x": cfg.x, "y": cfg.y,
        "batch_size": setup.batch_size, "lr": cfg.lr, "momentum": setup.momentum,
        "epochs": [{"train": True, "optimizer": True, "start_mode": "eval", "watch_global_devices": True},
                   {"train": False, "optimizer": eval_optimizer, "start_mode": "train",
                    "watch_global_devices": True}]})["epochs"])


def _raise_error(ctx: ItemContext, record: dict[str, Any], call: str) -> None:
    if record.get("error"):
        raise recorded_failure(record["error"], ctx.name, call)


def training_epoch(ctx: ItemContext, setup: Setup) -> dict[str, Any]:
    record = _epochs(ctx, setup)[0]
    _raise_error(ctx, record, "run_epoch(model, optimizer, loader, True)")
    return record


def evaluation_epoch(ctx: ItemContext, setup: Setup) -> dict[str, Any]:
    """The evaluation epoch given ``optimizer=None``; when that raised, the same epoch given the
    optimizer, so that only ``evaluation_leaves_parameters`` is charged for needing one."""
    record = _epochs(ctx, setup)[1]
    if record.get("error"):
        fallback = _epochs(ctx, setup, eval_optimizer=True)[1]
        if not fallback.get("error"):
            return fallback
        _raise_error(ctx, record, "run_epoch(model, None, loader, False)")
    return record


def both_epochs(ctx: ItemContext) -> list[tuple[Setup, str, dict[str, Any]]]:
    out = []
    for setup in SETUPS:
        out.append((setup, "training", training_epoch(ctx, setup)))
        out.append((setup, "evaluation", evaluation_epoch(ctx, setup)))
    return out


# -- the properties ---------------------------------------------------------------------------

def returns_loss_and_accuracy(ctx: ItemContext) -> None:
    for setup, mode, record in both_epochs(ctx):
        if returned_pair(record) is None:
            raise CheckFailed(f"run_epoch must return the pair (loss, accuracy) as two numbers (Python floats or "
                              f"0-dim tensors); in {mode} it returned {returned_text(record['returned'])}",
                              config(ctx, setup).describe())


def model_mode(ctx: ItemContext) -> None:
    for setup, mode, record in both_epochs(ctx):
        forwards = record["forwards"]
        if not forwards:
            raise CheckFailed(f"the model was never called in {mode}", config(ctx, setup).describe())
        if mode == "training" and not all(f["training"] for f in forwards):
            raise CheckFailed(
                "in training (train=True) the model ran in evaluation mode: call model.train() when training. "
                "The model came in eval mode, as it does after a validation epoch in fit, so dropout and batch "
                "norm would stay in evaluation behaviour for the rest of training.", config(ctx, setup).describe())
        if mode == "evaluation" and any(f["training"] for f in forwards):
            raise CheckFailed(
                "in evaluation (train=False) the model ran in training mode: call model.eval() so that dropout is "
                "off and batch norm uses its running statistics (model.train(train) does both cases)",
                config(ctx, setup).describe())


def every_batch_once(ctx: ItemContext) -> None:
    for setup, mode, record in both_epochs(ctx):
        check_every_sample_once(batches_of(record["forwards"]).indices, setup.samples, setup.batch_size,
                                f"{config(ctx, setup).describe()}, in {mode}", f"in {mode}")


def training_updates(ctx: ItemContext) -> None:
    for setup in SETUPS:
        cfg = config(ctx, setup)
        record = training_epoch(ctx, setup)
        got, expected, accumulated = record["params_after"], cfg.reference_params, cfg.accumulated_params
        # Judged on the batches the loop actually used: which ones is every_batch_once's business.
        seen = batches_of(record["forwards"]).indices
        standard = standard_batches(setup.samples, setup.batch_size)
        if seen != standard and seen and min(min(b, default=-1) for b in seen) >= 0:
            reference = _reference(cfg.x, cfg.y, cfg.weights, setup, cfg.lr, seen)
            expected, accumulated = reference["trained"], reference["accumulated"]
        check_trained(got, expected, accumulated, cfg.weights, record["step_calls"], len(seen), cfg.describe(),
                      PARAM_NAMES)


def no_grad_in_evaluation(ctx: ItemContext) -> None:
    for setup in SETUPS:
        forwards = evaluation_epoch(ctx, setup)["forwards"]
        if not forwards:
            raise CheckFailed("the model was never called in evaluation", config(ctx, setup).describe())
        with_grad = sum(f["grad_enabled"] for f in forwards)
        if with_grad:
            raise CheckFailed(
                f"in evaluation (train=False) gradients were enabled in {with_grad} of {len(forwards)} forward "
                "passes: autograd builds a graph for every batch that is never used, costing memory and time. Run "
                "the forward pass under torch.no_grad() in evaluation, or torch.set_grad_enabled(train) for both.",
                config(ctx, setup).describe())


def evaluation_leaves_parameters(ctx: ItemContext) -> None:
    for setup in SETUPS:
        record = _epochs(ctx, setup)[1]
        if record.get("error"):
            try:
                _raise_error(ctx, record, "run_epoch(model, None, loader, False)")
            except StudentCodeFailed as exc:
                raise CheckFailed(f"{exc.message}. In evaluation fit passes optimizer=None (as the template does): "
                                  "do not touch the optimizer when train is False", exc.counterexample) from None
        if not all(np.array_equal(a, b) for a, b in zip(record["params_after"], record["params_before"])):
            raise CheckFailed("an evaluation epoch changed the parameters: no loss.backward() or update when "
                              "train is False", config(ctx, setup).describe())


def accuracy(ctx: ItemContext) -> None:
    for setup, mode, record in both_epochs(ctx):
        cfg = config(ctx, setup)
        s = setup_statistics(batches_of(record["forwards"]), cfg.y, setup)
        got = returned_value(record, 1, "accuracy", f"in {mode} run_epoch")
        check_accuracy(got, s, setup.samples, cfg.describe(), f"in {mode}")


def loss(ctx: ItemContext) -> None:
    for setup, mode, record in both_epochs(ctx):
        cfg = config(ctx, setup)
        s = setup_statistics(batches_of(record["forwards"]), cfg.y, setup)
        got = returned_value(record, 0, "loss", f"in {mode} run_epoch")
        accepted = {"the template's (sum of the batch-mean losses) / len(dataset)": s.template_loss,
                    "the mean loss per sample over the dataset": s.sample_loss,
                    "the mean of the batch-mean losses (sum / len(dataloader))": s.batch_mean_loss}
        if any(abs(got - v) <= LOSS_RTOL * abs(v) + 1e-9 for v in accepted.values()):
            continue
        expected = "; ".join(f"{name}: {value:.6g}" for name, value in accepted.items())
        hint = (" It looks like the sum of the batch losses, not divided." if
                abs(got - s.summed_loss) <= LOSS_RTOL * abs(s.summed_loss) else "")
        raise CheckFailed(f"in {mode} the returned loss is {got:.6g}, which matches none of the accepted "
                          f"conventions ({expected}), computed from the cross-entropy of the model's outputs "
                          f"on each batch.{hint}", cfg.describe())


def moves_data_to_device(ctx: ItemContext) -> None:
    for setup, mode, record in both_epochs(ctx):
        mismatches = record["mismatches"]
        if not mismatches:
            continue
        where = f"{config(ctx, setup).describe()}, in {mode}"
        if record.get("global_moves"):
            name = record["global_moves"][0]
            raise CheckFailed(
                f"the batches are moved with the notebook's global `{name}`, not with the model's own device: "
                f"run_epoch then breaks for a model that is not on `{name}` (for instance a model kept on the CPU "
                f"while `{name}` is 'cuda' raises \"Expected all tensors to be on the same device\"). Take the "
                "device from the model inside run_epoch, device = next(model.parameters()).device, as the "
                "template does.", f"{where}: the model stood on another device than `{name}`")
        if not all(f.get("input_moved", True) for f in record["forwards"]):
            what = "the batch's inputs reach the model without being moved to the model's device"
        elif any(m["why"] == "numpy" for m in mismatches):
            what = ".numpy() is called on a tensor computed by the model, which fails for a tensor on a GPU " \
                   "(use .item(), or .cpu() first)"
            raise CheckFailed(what, f"{where}: first in {mismatches[0]['function']}")
        else:
            what = "the batch's labels are used together with the model's output without being moved to its device"
        raise CheckFailed(
            f"{what}: with the model on a GPU this raises \"Expected all tensors to be on the same device\". "
            "Move each batch's inputs and labels with .to(device), device = next(model.parameters()).device, as "
            "the template does.", f"{where}: first mixed in {mismatches[0]['function']}")


CHECKS = (
    Check("returns_loss_and_accuracy", "returns the pair (loss, accuracy) of numbers", 2, returns_loss_and_accuracy),
    Check("model_mode", "the model is in training mode when training and in eval mode when evaluating", 2,
          model_mode),
    Check("every_batch_once", "every sample (the last, partial batch included) goes through the model once per "
          "epoch", 2, every_batch_once),
    Check("training_updates", "after a training epoch the parameters equal those of the reference epoch "
          "(gradients zeroed for every batch, one optimizer step per batch)", 4, training_updates),
    Check("no_grad_in_evaluation", "gradients are disabled during evaluation", 3, no_grad_in_evaluation),
    Check("evaluation_leaves_parameters", "evaluation works with optimizer=None and leaves the parameters "
          "unchanged", 2, evaluation_leaves_parameters),
    Check("accuracy", "the accuracy is the fraction of correctly classified samples", 2, accuracy),
    Check("loss", "the loss follows one of the accepted conventions (per sample or per batch)", 2, loss),
    Check("moves_data_to_device", "each batch's inputs and labels are moved to the model's device", 1,
          moves_data_to_device),
)
