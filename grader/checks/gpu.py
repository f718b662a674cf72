"""Checks that run only on a GPU (``requires=("cuda",)``): skipped, with the reason, elsewhere.

``cuda_forward``: the layer works after ``.to("cuda")`` on a GPU input (the meta-device checks
stand in for it on machines without a GPU).  ``cuda_run_epoch``: the loop moves every batch to a GPU
model's device (the device tracker stands in for it elsewhere).  ``cuda_speed``: inside a ResNet-32-sized forward,
the student's layer makes the network at most ``SPEED_FACTOR`` times slower than torch's own
layer does, measured as a ratio within one run (a NumPy round trip in ``forward`` copies every
feature map to the host and back, and fails it).  Both are warning-only (zero points): a grade
does not depend on whether the machine had a GPU.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from grader.checks.core import Check, CheckFailed, ItemContext, StudentCodeFailed
from grader.checks.tensors import shape_str

#: The student's network may take at most this many times the time with torch's own layers (the convolutions
#: dominate: a from-scratch layer costs a few more kernels, a NumPy round trip a copy to the host and back).
SPEED_FACTOR = 3.0
DEVICE_HINT = ("create every tensor on the input's device (torch.rand_like(input), device=input.device), "
               "and keep NumPy out of forward")


def _device_problem(report: dict[str, Any], key: str, what: str) -> str:
    value = report.get(key)
    if value is None:
        return ""
    if value.get("type") != "torch.Tensor":
        return f"{what} is a {value.get('type')}, not a tensor"
    if not str(value.get("device", "")).startswith("cuda"):
        return f"{what} is on the {value.get('device')} device, not on the GPU with the input"
    return ""


def cuda_forward(target: Callable[[ItemContext], dict[str, Any]], shape: tuple[int, ...]) -> Check:
    def run(ctx: ItemContext) -> None:
        x = ctx.rng("cuda", shape).standard_normal(shape).astype(np.float32)
        setting = f"the module moved with .to('cuda'), input of shape {shape_str(shape)} on the GPU"
        try:
            report = ctx.request("cuda_layer", {"target": target(ctx), "input": x, "seed": ctx.derive_seed("cuda")})
        except StudentCodeFailed as exc:
            if exc.kind != "exception":
                raise
            raise CheckFailed(f"on a GPU, {exc.message}: a tensor in forward is on another device than the input "
                              f"(built on the CPU or with NumPy); {DEVICE_HINT}", setting) from None
        for key, what in (("train", "the training-mode output"), ("eval", "the eval-mode output"),
                          ("input_grad", "the gradient of the input")):
            problem = _device_problem(report, key, what)
            if problem:
                raise CheckFailed(f"on a GPU, {problem}; {DEVICE_HINT}", setting)
    return Check("cuda_forward", "works on a GPU after .to('cuda'): outputs and gradients stay on the input's "
                 "device", 0, run, warning_only=True, requires=("cuda",))


def cuda_speed(kind: str) -> Check:
    def run(ctx: ItemContext) -> None:
        times = ctx.request("layer_speed", {"name": ctx.name, "kind": kind, "seed": ctx.derive_seed("speed")})
        student, reference = float(times["student"]), float(times["reference"])
        ratio = student / max(reference, 1e-9)
        if not ratio <= SPEED_FACTOR:
            raise CheckFailed(f"with your {ctx.item} after each convolution a ResNet-32-sized forward takes "
                              f"{student * 1e3:.1f} ms, {ratio:.1f} times the {reference * 1e3:.1f} ms it takes with "
                              f"torch's own layer (at most {SPEED_FACTOR:g} times is allowed): look for a NumPy or "
                              "CPU round trip, a Python loop over elements, or .item() in forward",
                              "batch of 128 images 3×32×32 on the GPU, training mode, median of 20 forwards")
    return Check("cuda_speed", f"inside a ResNet-32-sized forward on a GPU, at most {SPEED_FACTOR:g} times slower "
                 "than with torch's own layer", 0, run, warning_only=True, requires=("cuda",))


def cuda_run_epoch() -> Check:
    def run(ctx: ItemContext) -> None:
        setting = ("a small model on the GPU, a DataLoader of CPU batches (20 samples, batch 8), once training "
                   "and once evaluating with optimizer=None")
        try:
            report = ctx.request("epoch_on_cuda", {"name": ctx.name, "seed": ctx.derive_seed("cuda-loop")})
        except StudentCodeFailed as exc:
            if exc.kind != "exception":
                raise
            raise CheckFailed(f"on a GPU, {exc.message}: a batch (inputs or labels) is not on the model's device; "
                              "move both with xb, yb = xb.to(device), yb.to(device), where device = "
                              "next(model.parameters()).device", setting) from None
        for label in ("train", "eval"):
            values = report.get(label) or [None]
            if any(v is None or not np.isfinite(v) for v in values):
                raise CheckFailed(f"on a GPU, the {label} epoch returned {values}, not finite numbers (tensors "
                                  "still on the GPU need .item())", setting)
    return Check("cuda_run_epoch", "runs on a GPU: every batch is moved to the model's device", 0, run,
                 warning_only=True, requires=("cuda",))
