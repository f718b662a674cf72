"""Checks of ``train(model, trainloader, criterion, optimizer, epoch, num_epochs)``: one training pass.

Judged by effect (see :mod:`.loops`): after the call the parameters must equal those of the reference
pass on the same model, data and optimizer, with the model the function was given, in training
mode, each batch once, the loss computed by the criterion passed in.  Any return value is accepted
(GRADING-DECISIONS.md): the course's loop ignores it.
"""

from __future__ import annotations

from typing import Any

from grader.checks.core import Check, CheckFailed, ItemContext
from grader.checks.loops import batches_of, check_every_sample_once, check_trained, standard_batches

from .loops import (PARAM_NAMES, SETUPS, Config, called_another_model, check_uses_model, completed, config,
                    for_each_setup, reference_epoch)


def uses_model_argument(ctx: ItemContext) -> None:
    check_uses_model(ctx, train=True)


def train_mode(ctx: ItemContext) -> None:
    def judge(cfg: Config, record: dict[str, Any]) -> None:
        if record["forwards"] and not all(f["training"] for f in record["forwards"]):
            raise CheckFailed("train ran the model in evaluation mode: call model.train() at the start. The model "
                              "came in eval mode, as it does after validation(), so dropout (and batch norm) would "
                              "stay switched off for the rest of training.", cfg.describe())
    for_each_setup(ctx, True, judge)


def training_updates(ctx: ItemContext) -> None:
    for setup in SETUPS:
        cfg = config(ctx, setup)
        record = completed(ctx, setup, True)
        if called_another_model(record):
            continue
        expected, accumulated = cfg.trained, cfg.accumulated
        # Judged on the batches the loop actually used: which ones is every_batch_once's business.
        seen = batches_of(record["forwards"]).indices
        if seen and seen != standard_batches(setup.samples, setup.batch_size) and min(map(min, seen)) >= 0:
            reference = reference_epoch(cfg.x, cfg.y, cfg.weights, setup, cfg.lr, seen)
            expected, accumulated = reference["trained"], reference["accumulated"]
        check_trained(record["params_after"], expected, accumulated, cfg.weights, record["step_calls"], len(seen),
                      cfg.describe(), PARAM_NAMES)


def every_batch_once(ctx: ItemContext) -> None:
    def judge(cfg: Config, record: dict[str, Any]) -> None:
        check_every_sample_once(batches_of(record["forwards"]).indices, cfg.setup.samples, cfg.setup.batch_size,
                                cfg.describe(), "in train")
    for_each_setup(ctx, True, judge)


def uses_criterion_argument(ctx: ItemContext) -> None:
    def judge(cfg: Config, record: dict[str, Any]) -> None:
        if record["forwards"] and record["criterion_calls"] == 0:
            raise CheckFailed("train never called the `criterion` it was given: compute the loss with "
                              "`loss = criterion(outputs, labels)`, so that the caller chooses the loss (a global "
                              "criterion or F.cross_entropy ignores that choice)", cfg.describe())
    for_each_setup(ctx, True, judge)


CHECKS = (
    Check("uses_model_argument", "trains the model passed as `model` (not a global such as `net`)", 3,
          uses_model_argument),
    Check("train_mode", "puts the model in training mode", 2, train_mode),
    Check("training_updates", "after the pass the parameters equal those of the reference pass (gradients zeroed "
          "for every batch, one optimizer step per batch)", 4, training_updates),
    Check("every_batch_once", "every sample (the last, partial batch included) goes through the model once", 2,
          every_batch_once),
    Check("uses_criterion_argument", "computes the loss with the `criterion` passed in", 1, uses_criterion_argument),
)
