"""ConvNet2's ``learns`` check: a few SGD steps on easy synthetic images reduce the training loss."""

from __future__ import annotations

import numpy as np

from grader.checks.core import CheckFailed, ItemContext
from grader.checks.learning import raise_if_stopped

from .convnet2_common import CLASSES, IMAGE

LEARN_PER_CLASS, LEARN_STEPS, LEARN_LR = 2, 10, 0.3
#: In eval mode a correct ConvNet2 ends below 6% of its starting loss on this data (300 seeds of the
#: reference); half is a clear margin.  The training-mode losses (with dropout noise) reach it too,
#: less reliably: either one shows learning, so that a dropout bug already charged elsewhere (no
#: rescaling, which shifts eval mode) does not fail this check as well.
LEARN_RATIO = 0.5
LAST_STEPS = 3  #: training-mode losses averaged at the end


def learning_data(ctx: ItemContext) -> tuple[np.ndarray, np.ndarray]:
    """Each class is a bright 10×4 bar at its own place (two rows of five), plus a little noise."""
    rng = ctx.rng("learning-data")
    labels = np.repeat(np.arange(CLASSES), LEARN_PER_CLASS)
    x = rng.normal(0.0, 0.1, (len(labels),) + IMAGE).astype(np.float32)
    for i, label in enumerate(labels):
        row, col = (label // 5) * 14 + 2, (label % 5) * 5 + 2
        x[i, 0, row:row + 10, col:col + 4] += 1.0
    return x, labels


def learns(ctx: ItemContext) -> None:
    x, y = learning_data(ctx)
    report = ctx.request("sgd_steps", {"target": ctx.target(), "images": x, "labels": y, "steps": LEARN_STEPS,
                                       "lr": LEARN_LR, "seed": ctx.derive_seed("learn")})
    setting = (f"{LEARN_STEPS} full-batch SGD steps (lr = {LEARN_LR}, nn.CrossEntropyLoss, training mode) on "
               f"{len(x)} synthetic images, each class a bright bar at its own place")
    raise_if_stopped(report, setting, CLASSES, see="output_shape")
    losses, before, after = report["losses"], report.get("loss_before"), report.get("loss_after")
    if before is None or after is None:
        raise CheckFailed("in eval mode forward does not return scores of shape (N, 10) (see output_shape)", setting)
    if not np.all(np.isfinite(losses + [before, after])):
        raise CheckFailed(f"the loss became infinite or NaN during training (losses: {losses})", setting)
    last = float(np.mean(losses[-LAST_STEPS:]))
    if after > LEARN_RATIO * before and last > LEARN_RATIO * losses[0]:
        raise CheckFailed(f"the model does not learn: its loss on the training images went from {before:.3f} to "
                          f"{after:.3f} in eval mode (from {losses[0]:.3f} to {last:.3f} in training mode); the "
                          f"course's ConvNet2 gets below {LEARN_RATIO:.0%} of where it started (typically under "
                          "0.05 in eval mode)", setting)
