"""Checks of ``validation(model, valloader, criterion)``: loss and accuracy over a data set.

It must return ``(loss, accuracy)`` with the accuracy as a fraction (the course prints
``Test accuracy: 0.83``); the loss may be the mean per batch (the course's) or per sample
(GRADING-DECISIONS.md).  Both are computed from the logits the model actually produced, so each
check judges one property even when another is wrong.
"""

from __future__ import annotations

from typing import Any

from grader.checks.core import Check, CheckFailed, ItemContext
from grader.checks.loops import (batches_of, check_accuracy, check_every_sample_once, returned_pair, returned_text,
                                 returned_value)

from .loops import VALIDATION_CALL, Config, check_uses_model, for_each_setup

LOSS_RTOL = 1e-5  #: relative tolerance of the returned loss


def returns_loss_and_accuracy(ctx: ItemContext) -> None:
    def judge(cfg: Config, record: dict[str, Any]) -> None:
        if returned_pair(record) is None:
            raise CheckFailed("validation must return the pair (loss, accuracy) as two numbers (Python floats or "
                              f"0-dim tensors); it returned {returned_text(record['returned'])}", cfg.describe())
    for_each_setup(ctx, False, judge)


def eval_mode(ctx: ItemContext) -> None:
    def judge(cfg: Config, record: dict[str, Any]) -> None:
        if any(f["training"] for f in record["forwards"]):
            raise CheckFailed("validation ran the model in training mode: call model.eval() first, so that dropout "
                              "is off and batch norm uses its running statistics. The model came in training mode, "
                              "as it does after train().", cfg.describe())
    for_each_setup(ctx, False, judge)


def no_grad(ctx: ItemContext) -> None:
    def judge(cfg: Config, record: dict[str, Any]) -> None:
        forwards = record["forwards"]
        with_grad = sum(f["grad_enabled"] for f in forwards)
        if with_grad:
            raise CheckFailed(f"gradients were enabled in {with_grad} of {len(forwards)} forward passes: autograd "
                              "builds a graph for every batch that is never used, costing memory and time. Run the "
                              "loop under `with torch.no_grad():`.", cfg.describe())
    for_each_setup(ctx, False, judge)


def leaves_parameters(ctx: ItemContext) -> None:
    def judge(cfg: Config, record: dict[str, Any]) -> None:
        if not all((a == b).all() for a, b in zip(record["params_after"], record["params_before"])):
            raise CheckFailed("validation changed the model's parameters: no loss.backward() or optimizer step "
                              "when evaluating", cfg.describe())
    for_each_setup(ctx, False, judge)


def every_batch_once(ctx: ItemContext) -> None:
    def judge(cfg: Config, record: dict[str, Any]) -> None:
        check_every_sample_once(batches_of(record["forwards"]).indices, cfg.setup.samples, cfg.setup.batch_size,
                                cfg.describe(), "in validation")
    for_each_setup(ctx, False, judge)


def accuracy(ctx: ItemContext) -> None:
    def judge(cfg: Config, record: dict[str, Any]) -> None:
        s = cfg.statistics(record)
        got = returned_value(record, 1, "accuracy", VALIDATION_CALL)
        check_accuracy(got, s, cfg.setup.samples, cfg.describe(), "in validation")
    for_each_setup(ctx, False, judge)


def loss(ctx: ItemContext) -> None:
    def judge(cfg: Config, record: dict[str, Any]) -> None:
        s = cfg.statistics(record)
        got = returned_value(record, 0, "loss", VALIDATION_CALL)
        accepted = {"the mean loss per batch (sum of the batch losses / len(valloader))": s.batch_mean_loss,
                    "the mean loss per sample": s.sample_loss}
        if any(abs(got - v) <= LOSS_RTOL * abs(v) + 1e-9 for v in accepted.values()):
            return
        expected = "; ".join(f"{name}: {value:.6g}" for name, value in accepted.items())
        mistakes = ((s.summed_loss, "the sum of the batch losses, not divided"),
                    (s.template_loss, "the sum of the batch-mean losses divided by the number of samples, which "
                                      "counts each batch's mean as if it were one sample's loss"))
        hint = next((f" It looks like {h}." for value, h in mistakes if abs(got - value) <= LOSS_RTOL * abs(value)),
                    "")
        raise CheckFailed(f"the returned loss is {got:.6g}, which matches neither accepted convention ({expected}), "
                          f"computed with the criterion from the model's outputs on each batch.{hint}",
                          cfg.describe())
    for_each_setup(ctx, False, judge)


def uses_model_argument(ctx: ItemContext) -> None:
    check_uses_model(ctx, train=False)


CHECKS = (
    Check("returns_loss_and_accuracy", "returns the pair (loss, accuracy) of numbers", 2, returns_loss_and_accuracy),
    Check("eval_mode", "puts the model in evaluation mode", 2, eval_mode),
    Check("no_grad", "runs without gradients (torch.no_grad())", 2, no_grad),
    Check("leaves_parameters", "leaves the model's parameters unchanged", 1, leaves_parameters),
    Check("every_batch_once", "every sample (the last, partial batch included) goes through the model once", 2,
          every_batch_once),
    Check("accuracy", "the accuracy is the fraction of correctly classified samples", 2, accuracy),
    Check("loss", "the loss is the mean per batch or per sample", 2, loss),
    Check("uses_model_argument", "evaluates the model passed as `model` (not a global such as `net`)", 2,
          uses_model_argument),
)
