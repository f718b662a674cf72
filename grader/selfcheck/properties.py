"""Public check builders: properties a student may run at home, with no reference in their hands.

Each builder returns a :class:`~grader.checks.core.Check` whose verdict needs only numbers stored
in the check itself (an output shape, a parameter count the assignment text states) or a property
of the student's own output (dropout's zero fraction, eval mode's identity, batch norm's per-channel
mean and variance).  None of them imports ``reference/``; an assignment's ``public.py`` composes them
with fixed inputs, so a release bundle can ship them without shipping anything hidden.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.core import Check, CheckFailed, ItemContext
from grader.checks.stats import CHECK_BOUND, hoeffding_halfwidth
from grader.checks.tensors import require_tensor, shape_str

__all__ = ["INSTANCE", "has_parameters", "maps_shape", "normalises_channels", "passes_through_in_eval",
           "zeroes_fraction"]


#: ``args`` of an item that is an instance (``resnet = nn.Sequential(...)``): used as it is, not called
INSTANCE = None


def _call(name: str, args: tuple[Any, ...] | None) -> str:
    return name if args is None else f"{name}({', '.join(map(repr, args))})"


def _target(ctx: ItemContext, args: tuple[Any, ...] | None) -> dict[str, Any]:
    return {"name": ctx.name, "instantiate": False} if args is None else ctx.target(*args)


def _exercise(ctx: ItemContext, args: tuple[Any, ...] | None, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    reply = ctx.request("exercise", {"target": _target(ctx, args), "calls": calls, "set_params": {}})
    return reply["calls"]


def _input(ctx: ItemContext, shape: tuple[int, ...], *key: Any) -> np.ndarray:
    """Fixed values away from zero (so that a zero in an output comes from the code, not the input)."""
    rng = ctx.rng("public", shape, *key)
    magnitude = 0.5 + np.abs(rng.standard_normal(shape))
    return (np.where(rng.random(shape) < 0.5, -1.0, 1.0) * magnitude).astype(np.float32)


def _forward(ctx: ItemContext, args: tuple[Any, ...] | None, x: np.ndarray, mode: str) -> np.ndarray:
    [result] = _exercise(ctx, args, [{"input": x, "mode": mode, "seed": ctx.derive_seed("public", x.shape, mode)}])
    what = f"{_call(ctx.item, args)} in {mode} mode on input of shape {shape_str(x.shape)}"
    require_tensor(result["output"], what)
    return np.asarray(result["output"]["data"]) if result["output"].get("data") is not None else np.empty(
        tuple(result["output"]["shape"]))


def maps_shape(name: str, args: tuple[Any, ...] | None, input_shape: tuple[int, ...], expected: tuple[int, ...],
                 mode: str = "eval", points: float = 1) -> Check:
    """``item(*args)`` maps an input of ``input_shape`` to an output of shape ``expected``."""
    def run(ctx: ItemContext) -> None:
        got = _forward(ctx, args, _input(ctx, input_shape), mode).shape
        if got != tuple(expected):
            raise CheckFailed(f"{_call(ctx.item, args)} in {mode} mode on input of shape {shape_str(input_shape)} "
                              f"returned shape {shape_str(got)}; expected {shape_str(expected)}")
    built = f", built with arguments {', '.join(map(repr, args))}" if args else ""
    return Check(name, f"input {shape_str(input_shape)} gives output {shape_str(expected)} ({mode} mode{built})",
                 points, run)


def has_parameters(name: str, args: tuple[Any, ...] | None, expected: int, why: str, points: float = 1) -> Check:
    """``item(*args)`` has exactly ``expected`` trainable parameters (a figure the assignment states)."""
    def run(ctx: ItemContext) -> None:
        info = ctx.request("module_info", {"target": _target(ctx, args)})
        if info["trainable"] != expected:
            raise CheckFailed(f"{_call(ctx.item, args)} has {info['trainable']:,} trainable parameters; "
                              f"expected {expected:,} ({why})")
    return Check(name, f"{expected:,} trainable parameters in all ({why})", points, run)


def passes_through_in_eval(name: str, args: tuple[Any, ...] | None, input_shape: tuple[int, ...],
                           points: float = 1) -> Check:
    """In eval mode ``item(*args)`` returns its input unchanged."""
    def run(ctx: ItemContext) -> None:
        x = _input(ctx, input_shape, "eval")
        out = _forward(ctx, args, x, "eval")
        if out.shape != x.shape or not np.array_equal(out, x):
            raise CheckFailed(f"in eval mode {_call(ctx.item, args)} must return its input unchanged",
                              f"input of shape {shape_str(input_shape)}")
    return Check(name, f"in eval mode the output equals the input (input {shape_str(input_shape)})", points, run)


def zeroes_fraction(name: str, p: float, input_shape: tuple[int, ...], points: float = 1) -> Check:
    """In training about a fraction ``p`` of the outputs are zero (Hoeffding, false failure ≤ 1e-9)."""
    def run(ctx: ItemContext) -> None:
        x = _input(ctx, input_shape, "fraction")
        out = _forward(ctx, (p,), x, "train")
        t = hoeffding_halfwidth(x.size, CHECK_BOUND)
        fraction = float(np.mean(out == 0)) if out.shape == x.shape else float("nan")
        if not abs(fraction - p) <= t:
            raise CheckFailed(f"with p = {p}, {fraction:.2%} of the outputs were zero; expected {p:.0%} ± {t:.2%}",
                              f"{_call(ctx.item, (p,))} in training on input of shape {shape_str(input_shape)}")
    return Check(name, f"in training about {p:.0%} of the outputs are zero for p = {p}", points, run,
                 false_failure_bound=CHECK_BOUND)


def normalises_channels(name: str, channels: int, input_shape: tuple[int, ...], points: float = 1,
                        atol: float = 1e-2) -> Check:
    """With fresh parameters (gamma 1, beta 0) each channel of (N, C, L) comes out with mean 0, std 1."""
    def run(ctx: ItemContext) -> None:
        rng = ctx.rng("public", "channels")
        shift = rng.uniform(-3, 3, (1, channels, 1))
        scale = rng.uniform(0.5, 3, (1, channels, 1))
        x = (rng.standard_normal(input_shape) * scale + shift).astype(np.float32)
        out = _forward(ctx, (channels,), x, "train").astype(np.float64)
        if out.shape != x.shape:
            raise CheckFailed(f"the output has shape {shape_str(out.shape)}; expected the input's "
                              f"{shape_str(x.shape)}")
        mean, std = out.mean(axis=(0, 2)), out.std(axis=(0, 2))
        bad = ~(np.isclose(mean, 0, atol=atol) & np.isclose(std, 1, atol=atol * 5))
        if bad.any():
            c = int(np.argmax(bad))
            raise CheckFailed(f"channel {c} came out with mean {mean[c]:.4g} and standard deviation {std[c]:.4g}; "
                              "normalising each channel over (N, L) gives mean 0 and standard deviation 1",
                              f"{_call(ctx.item, (channels,))} in training on input of shape "
                              f"{shape_str(input_shape)}")
    return Check(name, f"each channel of an (N, C, L) input comes out with mean 0 and std 1 "
                       f"(input {shape_str(input_shape)})", points, run)
