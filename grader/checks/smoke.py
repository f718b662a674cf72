"""The ``smoke`` group: the student's whole model trains on generated, learnable images.

Off by default, on with ``--smoke``.  The checks are warning-only (zero points): a grade never
depends on whether ``--smoke`` was given or on the machine it ran on; a model that does not
learn is shown as a warning for the instructor and the student.

Data: each of the 10 classes is a random 4×4 pattern per channel, enlarged to the whole image
(3×32×32 or 1×28×28, like CIFAR-10 and MNIST), plus Gaussian noise (σ = 0.5); generated from the
seed, never downloaded.  Training: Adam (lr 0.003), cross-entropy, mini-batches reshuffled each
pass.  The property: the loss on the whole set falls to at most half of where it started, and
every output stays finite.  The course's models end under 5% of their starting loss on the CPU
schedule (8 seeds each of the reference ResNet-32, LeNet and ConvNet2), so half is a wide margin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from grader.checks.core import Check, CheckFailed, ItemContext
from grader.checks.learning import raise_if_stopped

CLASSES = 10
NOISE = 0.5
LEARNING_RATE = 0.003
#: The loss after training must be at most this fraction of the loss before.
MARGIN = 0.5


@dataclass(frozen=True)
class Schedule:
    images: int
    batch: int
    steps: int
    device: str

    def describe(self) -> str:
        return (f"{self.steps} Adam steps (lr {LEARNING_RATE:g}) of {self.batch} images from {self.images} "
                f"generated ones on the {'GPU' if self.device == 'cuda' else 'CPU'}")


#: On the CPU: bounded in time on a 2-core machine (ResNet-32: about 2 s; the MNIST models well under 1 s).
CPU_SCHEDULE = Schedule(images=64, batch=16, steps=32, device="cpu")
#: On a GPU: the full schedule (ResNet-32: 14.7 ms a step at batch 128 on an H200).
CUDA_SCHEDULE = Schedule(images=1024, batch=128, steps=100, device="cuda")
#: Seconds one smoke run may take in the executor (far above the CPU schedule's, for loaded machines).
SMOKE_TIMEOUT_S = 60.0


def learnable_images(ctx: ItemContext, image: tuple[int, ...], n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` images of shape ``image``: a class-dependent 4×4 pattern per channel, enlarged, plus noise."""
    rng = ctx.rng("smoke-data", image, n)
    channels, height, width = image
    patterns = rng.normal(0.0, 1.0, (CLASSES, channels, 4, 4)).astype(np.float32)
    cell = (-(-height // 4), -(-width // 4))
    enlarged = np.kron(patterns, np.ones((1, 1) + cell, np.float32))[:, :, :height, :width]
    labels = np.arange(n) % CLASSES
    rng.shuffle(labels)
    x = enlarged[labels] + rng.normal(0.0, NOISE, (n,) + image).astype(np.float32)
    return x.astype(np.float32), labels.astype(np.int64)


def _verdict(report: dict[str, Any], setting: str) -> None:
    raise_if_stopped(report, setting, CLASSES)
    before, after, losses = report.get("loss_before"), report.get("loss_after"), report.get("losses", [])
    if "nonfinite_step" in report or not np.all(np.isfinite([*losses, before or 0.0, after or 0.0])):
        step = report.get("nonfinite_step")
        when = f" at step {step + 1}" if step is not None else ""
        raise CheckFailed(f"the model's output or loss became infinite or NaN{when}", setting)
    if before is None or after is None:
        raise CheckFailed(f"forward does not return scores of shape (N, {CLASSES}) on a whole batch", setting)
    if after > MARGIN * before:
        raise CheckFailed(f"the model does not learn: the loss on the training images went from {before:.3f} to "
                          f"{after:.3f}; a correct model gets below {MARGIN:.0%} of where it started (the "
                          "course's models: under 5%)", setting)


def _smoke(target: Callable[[ItemContext], dict[str, Any]], image: tuple[int, ...], schedule: Schedule,
           flatten: bool) -> Callable[[ItemContext], None]:
    def run(ctx: ItemContext) -> None:
        x, y = learnable_images(ctx, image, schedule.images)
        if flatten:
            x = x.reshape(len(x), -1)
        report = ctx.request("smoke_train", {"target": target(ctx), "images": x, "labels": y,
                                             "steps": schedule.steps, "batch": schedule.batch, "lr": LEARNING_RATE,
                                             "seed": ctx.derive_seed("smoke"), "device": schedule.device},
                             timeout=max(SMOKE_TIMEOUT_S, ctx.sandbox.limits.request_timeout_s))
        _verdict(report, f"{schedule.describe()}, images {'×'.join(map(str, image))} in {CLASSES} classes")
    return run


def smoke_checks(target: Callable[[ItemContext], dict[str, Any]], image: tuple[int, ...],
                 flatten: bool = False) -> tuple[Check, ...]:
    """The smoke group of one model item: the CPU schedule, and the full one when there is a GPU.

    ``target``: what to build (``ctx.target()``, or the instance); ``flatten``: send rows of features
    (a logistic regression), not images."""
    what = f"the whole model trains: the loss on generated {'×'.join(map(str, image))} images halves"
    return (
        Check("trains_smoke", f"{what} in {CPU_SCHEDULE.describe()}; outputs stay finite", 0,
              _smoke(target, image, CPU_SCHEDULE, flatten), warning_only=True, group="smoke"),
        Check("trains_smoke_cuda", f"{what} in {CUDA_SCHEDULE.describe()}; outputs stay finite", 0,
              _smoke(target, image, CUDA_SCHEDULE, flatten), warning_only=True, group="smoke", requires=("cuda",)),
    )
