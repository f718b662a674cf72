"""Checks of ``Dropout(p)``: zero each element with probability p, scale by 1/(1-p) in training.

Reads like the assignment text: random zeros with the right rate, survivors scaled to
keep the mean, independent masks, identity in evaluation, gradients through the kept
elements only, no torch dropout.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader.checks.core import Check, CheckFailed, ItemContext, StudentCodeFailed
from grader.checks.search import for_all
from grader.checks.stats import CHECK_BOUND, hoeffding_halfwidth, one_sided_halfwidth
from grader.checks.tensors import require_tensor, shape_str, short

shapes = st.lists(st.integers(1, 6), min_size=1, max_size=4).map(tuple)
rates = st.floats(0.0, 0.9).map(lambda p: round(p, 3))
positive_rates = st.floats(0.05, 0.9).map(lambda p: round(p, 3))

FORBIDDEN = ("dropout",)  # any torch function whose name contains this (dropout, alpha_dropout, dropout2d...)


def nonzero_input(ctx: ItemContext, shape: tuple[int, ...], *key: Any, dtype: Any = np.float32) -> np.ndarray:
    """Values away from zero, so that a zero in the output can only come from the mask."""
    rng = ctx.rng("input", shape, *key)
    magnitude = 0.5 + np.abs(rng.standard_normal(shape))
    return (np.where(rng.random(shape) < 0.5, -1.0, 1.0) * magnitude).astype(dtype)


def forward(ctx: ItemContext, p: float, x: np.ndarray, mode: str = "train", **call: Any) -> dict[str, Any]:
    seed = ctx.derive_seed("call", p, x.shape, mode, tuple(sorted(call)))
    [result] = ctx.exercise((p,), [{"input": x, "mode": mode, "seed": seed, **call}])
    return result


def output_of(result: dict[str, Any], p: float, x: np.ndarray, mode: str = "training") -> np.ndarray:
    what = f"Dropout({p}) in {mode} mode on input of shape {shape_str(x.shape)}"
    out = result["output"]
    require_tensor(out, what)
    if tuple(out["shape"]) != x.shape:
        raise CheckFailed(f"{what} returned shape {shape_str(out['shape'])}; expected the input's shape",
                          f"input shape {shape_str(x.shape)}, p = {p}")
    return out["data"]


def check_zero_or_scaled(p: float, x: np.ndarray, out: np.ndarray) -> None:
    scaled = x / (1.0 - p)
    ok = (out == 0) | np.isclose(out, scaled, rtol=1e-5, atol=0.0)
    if not ok.all():
        index = tuple(int(i) for i in np.argwhere(~ok)[0])
        raise CheckFailed(
            "in training every output element must be 0 or input / (1 - p)",
            f"Dropout({p}), input shape {shape_str(x.shape)}: at index {index} the input is {x[index]:.6g}, "
            f"so expected 0 or {scaled[index]:.6g}, got {out[index]:.6g}")


# -- the properties ---------------------------------------------------------------

def shape_dtype(ctx: ItemContext) -> None:
    def prop(example: tuple[tuple[int, ...], float, str]) -> None:
        shape, p, dtype = example
        x = nonzero_input(ctx, shape, dtype=np.dtype(dtype))
        result = forward(ctx, p, x)
        out = output_of(result, p, x)
        if out.dtype != x.dtype:
            raise CheckFailed("the output dtype must equal the input dtype",
                              f"input {shape_str(shape)} of {x.dtype}, p = {p}: got {out.dtype}")

    for_all(ctx, st.tuples(shapes, rates, st.sampled_from(["float32", "float64"])), prop)


def values_zero_or_scaled(ctx: ItemContext) -> None:
    def prop(example: tuple[tuple[int, ...], float]) -> None:
        shape, p = example
        x = nonzero_input(ctx, shape)
        check_zero_or_scaled(p, x, output_of(forward(ctx, p, x), p, x))

    for_all(ctx, st.tuples(shapes, rates), prop)


ZERO_FRACTION_RATES = (0.1, 0.3, 0.5, 0.8)
ZERO_FRACTION_SHAPE = (200, 500)


def zero_fraction(ctx: ItemContext) -> None:
    n = int(np.prod(ZERO_FRACTION_SHAPE))
    t = hoeffding_halfwidth(n, CHECK_BOUND / len(ZERO_FRACTION_RATES))
    x = nonzero_input(ctx, ZERO_FRACTION_SHAPE, "fraction")
    for p in ZERO_FRACTION_RATES:
        out = output_of(forward(ctx, p, x), p, x)
        fraction = float(np.mean(out == 0))
        if abs(fraction - p) > t:
            hint = ""
            if abs(fraction - (1 - p)) <= t:
                hint = " It looks like each unit is KEPT with probability p instead of dropped."
            raise CheckFailed(
                f"with p = {p}, {fraction:.2%} of the outputs were zero; expected {p:.0%} ± {t:.2%}.{hint}",
                f"Dropout({p}) on {n} non-zero inputs of shape {shape_str(ZERO_FRACTION_SHAPE)}")


INDEPENDENCE_SHAPE = (64, 32, 16)


def independent_mask(ctx: ItemContext) -> None:
    # At p = 0.5 the agreement indicators [m_i == m_j] of neighbouring elements of an
    # i.i.d. mask are themselves i.i.d. fair coins, so Hoeffding applies exactly.
    p = 0.5
    x = nonzero_input(ctx, INDEPENDENCE_SHAPE, "independence")
    calls = [{"input": x, "mode": "train", "seed": ctx.derive_seed("independence", i)} for i in range(2)]
    results = ctx.exercise((p,), calls)
    masks = [output_of(r, p, x) != 0 for r in results]
    comparisons = {
        "across the samples of a batch (dimension 0)": (masks[0][1:], masks[0][:-1]),
        "along dimension 1": (masks[0][:, 1:], masks[0][:, :-1]),
        "along dimension 2": (masks[0][:, :, 1:], masks[0][:, :, :-1]),
        "between two calls": (masks[0], masks[1]),
    }
    for what, (a, b) in comparisons.items():
        agreement = float(np.mean(a == b))
        t = one_sided_halfwidth(a.size, CHECK_BOUND / len(comparisons))
        if agreement > 0.5 + t:
            raise CheckFailed(
                f"the dropout mask is not independent {what}: {agreement:.1%} of neighbouring positions "
                f"share their keep/drop decision, expected 50% ± {t:.1%} at p = 0.5. Draw one random number "
                "per element (e.g. torch.rand_like(input)), freshly on every call.",
                f"Dropout(0.5) in training on input of shape {shape_str(INDEPENDENCE_SHAPE)}")


def eval_identity(ctx: ItemContext) -> None:
    def prop(example: tuple[tuple[int, ...], float]) -> None:
        shape, p = example
        x = nonzero_input(ctx, shape)
        out = output_of(forward(ctx, p, x, mode="eval"), p, x, mode="eval")
        if not np.array_equal(out, x):
            raise CheckFailed("in eval mode Dropout must return its input unchanged",
                              f"Dropout({p}).eval() on {short(x)} (shape {shape_str(shape)}) gave {short(out)}")

    for_all(ctx, st.tuples(shapes, rates), prop)


#: torch.rand can return exactly 0.0 (probability 2**-24 per draw), so a correct
#: ``rand_like(x) > p`` drops an element now and then even at p = 0.  With at most
#: 6**4 elements per example, allowing 2 zeros keeps the false-failure probability
#: of the whole check (20 examples) below 20 * (1296 * 2**-24)**3 / 6 < 2e-12.
P_ZERO_ALLOWED_ZEROS = 2


def p_zero_identity(ctx: ItemContext) -> None:
    def prop(shape: tuple[int, ...]) -> None:
        x = nonzero_input(ctx, shape)
        out = output_of(forward(ctx, 0.0, x), 0.0, x)
        kept = np.isclose(out, x, rtol=1e-6, atol=0.0)
        if not (kept | (out == 0)).all() or int(np.sum(~kept)) > P_ZERO_ALLOWED_ZEROS:
            raise CheckFailed("with p = 0 nothing may be dropped, even in training",
                              f"Dropout(0.0) on {short(x)} (shape {shape_str(shape)}) gave {short(out)}")

    for_all(ctx, shapes, prop)


def gradient(ctx: ItemContext) -> None:
    def prop(example: tuple[tuple[int, ...], float]) -> None:
        shape, p = example
        x = nonzero_input(ctx, shape)
        g = nonzero_input(ctx, shape, "grad")
        result = forward(ctx, p, x, requires_grad=True, grad_output=g)
        out = output_of(result, p, x)
        backward = result.get("backward", {})
        if not backward.get("connected"):
            raise CheckFailed("the output is not connected to the input in the autograd graph, so no gradient "
                              "can flow (was the mask applied through NumPy or .detach()?)",
                              f"Dropout({p}) on input of shape {shape_str(shape)} with requires_grad=True")
        if backward.get("error"):
            raise CheckFailed(backward["error"])
        got = backward.get("input_grad")
        expected = g * (out != 0) / (1.0 - p)
        if got is None:
            raise CheckFailed("no gradient reached the input")
        bad = ~np.isclose(got, expected, rtol=1e-5, atol=1e-7)
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            raise CheckFailed(
                "the gradient must flow only through kept elements, scaled by 1/(1-p)",
                f"Dropout({p}), input shape {shape_str(shape)}: at index {index} the output is "
                f"{out[index]:.6g} and the upstream gradient {g[index]:.6g}, so the input gradient should be "
                f"{expected[index]:.6g}; got {got[index]:.6g}")

    for_all(ctx, st.tuples(shapes, positive_rates), prop, max_examples=10)


def input_unchanged(ctx: ItemContext) -> None:
    def prop(example: tuple[tuple[int, ...], float, str]) -> None:
        shape, p, mode = example
        x = nonzero_input(ctx, shape)
        result = forward(ctx, p, x, mode=mode)
        if result.get("input_changed"):
            raise CheckFailed("forward modified its input in place; compute a new tensor instead "
                              "(e.g. input * mask, not input *= mask)",
                              f"Dropout({p}) in {mode} mode on input of shape {shape_str(shape)}")

    for_all(ctx, st.tuples(shapes, positive_rates, st.sampled_from(["train", "eval"])), prop, max_examples=10)


def noncontiguous_input(ctx: ItemContext) -> None:
    wide_shapes = st.lists(st.integers(2, 6), min_size=2, max_size=4).map(tuple)

    def prop(example: tuple[tuple[int, ...], float]) -> None:
        shape, p = example
        x = nonzero_input(ctx, shape)
        out = output_of(forward(ctx, p, x, layout="noncontiguous"), p, x)
        check_zero_or_scaled(p, x, out)

    for_all(ctx, st.tuples(wide_shapes, positive_rates), prop, max_examples=10)


def no_torch_dropout(ctx: ItemContext) -> None:
    x = nonzero_input(ctx, (8, 16), "own")
    for mode in ("train", "eval"):
        used = [f for f in forward(ctx, 0.3, x, mode=mode)["torch_functions"]
                if any(word in f.lower() for word in FORBIDDEN)]
        if used:
            raise CheckFailed(f"forward calls PyTorch's own dropout ({', '.join(used)}); "
                              "the assignment asks you to implement it yourself")


def device_agnostic(ctx: ItemContext) -> None:
    # Judged on the shapes where forward works on the CPU (a 1-D input as well, so that a
    # shape bug cannot hide the device bug); forward must work on the CPU for at least one.
    cpu_failures: list[CheckFailed] = []
    for shape in ((16,), (4, 8)):
        x = nonzero_input(ctx, shape, "device")
        try:
            require_tensor(forward(ctx, 0.3, x)["output"], f"Dropout(0.3) on input of shape {shape_str(shape)}")
        except CheckFailed as exc:
            cpu_failures.append(exc)
            continue
        try:
            forward(ctx, 0.3, x, layout="meta")
        except StudentCodeFailed as exc:
            text = exc.message.lower()
            # Only a device mismatch counts; meta also rejects data-dependent code that works on a GPU.
            if "device" in text and "meta" in text:
                raise CheckFailed("the mask is created on a different device than the input (built with NumPy "
                                  "or on the CPU), so this Dropout breaks on a GPU; create it with e.g. "
                                  "torch.rand_like(input) or device=input.device",
                                  f"input of shape {shape_str(shape)} on the 'meta' device: {exc.message}") from None
            if exc.kind != "exception":  # a hang, crash or tampering is never inconclusive
                raise
        return  # judged on the first shape that works on the CPU
    first = cpu_failures[0]
    raise CheckFailed(f"forward does not work on the CPU, so its device handling cannot be checked: "
                      f"{first.message}", first.counterexample)


CHECKS = (
    Check("shape_dtype", "output has the input's shape and dtype, for any shape and p", 1, shape_dtype),
    Check("values_zero_or_scaled", "in training every output element is 0 or input/(1-p)", 2,
          values_zero_or_scaled),
    Check("zero_fraction", "the fraction of zeros matches p (Hoeffding test, tested at p = 0.1, 0.3, 0.5, 0.8)", 2,
          zero_fraction, false_failure_bound=CHECK_BOUND),
    Check("independent_mask", "masks are independent across elements, samples of a batch and calls", 2,
          independent_mask, false_failure_bound=CHECK_BOUND),
    Check("eval_identity", "eval mode returns the input unchanged", 2, eval_identity),
    Check("p_zero_identity", "p = 0 drops nothing", 1, p_zero_identity, false_failure_bound=2e-12),
    Check("gradient", "gradients flow only through kept elements, scaled by 1/(1-p)", 2, gradient),
    Check("input_unchanged", "the input tensor is not modified in place", 1, input_unchanged),
    Check("noncontiguous_input", "works on a non-contiguous input", 1, noncontiguous_input),
    Check("no_torch_dropout", "does not call PyTorch's own dropout", 1, no_torch_dropout),
    Check("device_agnostic", "the mask is created on the input's device (works on a GPU)", 1, device_agnostic),
)
