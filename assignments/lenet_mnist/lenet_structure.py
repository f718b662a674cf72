"""LeNet's structure checks: ``parameter_count`` and ``layer_shapes``, judged on the registered parameters
and the layers the forward pass calls (``lenet_layers``), with the cause of a wrong count in words."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.core import CheckFailed, ItemContext

from .lenet_layers import (EXPECTED_PARAMETERS, LENET5_PARAMETERS, Layer, layers_listing, layers_problem, layout,
                           student_layers, traced)


# -- checks: the layers -------------------------------------------------------------------------------------

def _bias_problem(layers: list[Layer]) -> str:
    missing = [layer for layer in layers if not layer.bias]
    if not missing:
        return ""
    count = sum(layer.outputs for layer in missing)
    names = ", ".join(layer.name for layer in missing)
    return (f"{names} {'has' if len(missing) == 1 else 'have'} no bias ({count} parameters missing): the text's "
            "layers keep PyTorch's default bias=True")


def _unused_problem(ctx: ItemContext, info: dict[str, Any]) -> str:
    """Registered layers the forward pass never calls (a leftover from an earlier attempt still counts)."""
    report = traced(ctx).report
    if report is None:
        return ""
    called = {call["name"] for call in report["calls"]}
    unused = [unit for unit in info["units"] if unit["prefix"] and unit["prefix"] not in called]
    if not unused:
        return ""
    count = sum(int(np.prod(p["shape"])) for unit in unused for p in unit["parameters"])
    names = ", ".join(f"`{unit['prefix']}`" for unit in unused)
    return (f"{names} {'is' if len(unused) == 1 else 'are'} registered but never used in forward, and "
            f"{'its' if len(unused) == 1 else 'their'} {count:,} parameters count: delete unused layers")


def _parameter_causes(ctx: ItemContext, info: dict[str, Any], total: int) -> list[str]:
    causes = []
    everything = sum(int(np.prod(p["shape"])) for unit in info["units"] for p in unit["parameters"])
    if everything == EXPECTED_PARAMETERS and total < everything:
        causes.append("some parameters have requires_grad=False, so the optimizer would not train them")
    try:
        layers = student_layers(ctx)
    except CheckFailed:
        return causes
    causes += [p for p in (layers_problem(layers, info["hidden_modules"]), _bias_problem(layers),
                           _unused_problem(ctx, info)) if p]
    if total == LENET5_PARAMETERS and causes:
        causes[0] = f"{LENET5_PARAMETERS:,} is the count of LeNet-5 for 32×32 images (fc1 with 400 inputs): " \
            + causes[0]
    return causes


def parameter_count(ctx: ItemContext) -> None:
    info = layout(ctx)
    total = info["trainable"]  # no forward pass needed
    if total == EXPECTED_PARAMETERS:
        return
    causes = _parameter_causes(ctx, info, total)
    likely = (" Likely cause: " + " Also: ".join(c.rstrip(".") + "." for c in causes)) if causes else ""
    try:
        listing = layers_listing(student_layers(ctx))
    except CheckFailed:
        listing = None
    raise CheckFailed(f"LeNet() has {total:,} trainable parameters; the text's LeNet for 28×28 MNIST images has "
                      f"{EXPECTED_PARAMETERS:,}.{likely}", listing)


def layer_shapes(ctx: ItemContext) -> None:
    layers = student_layers(ctx)
    problem = layers_problem(layers, layout(ctx)["hidden_modules"])
    if problem:
        raise CheckFailed(problem, layers_listing(layers))
