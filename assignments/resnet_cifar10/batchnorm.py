"""Checks of ``BatchNorm(num_features)`` on input (N, C, L).

The text's formula y = (x - mean) / (std + eps) * gamma + beta, statistics per
channel over (N, L), batch statistics only.  Accepted (GRADING-DECISIONS.md): biased
or unbiased variance, eps inside the square root or added to the std, gamma/beta of
any shape with C elements that broadcasts per channel.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st

from grader.checks.core import Check, CheckFailed, ItemContext
from grader.checks.search import for_all
from grader.checks.tensors import relative_error, require_tensor, shape_str
from reference.resnet_cifar10 import BatchNorm as ReferenceBatchNorm

EPS_MAX = 1e-3  #: largest eps the accepted variants may use
SLACK = 1e-4  #: float32 rounding allowance, relative and absolute
GRAD_RTOL = 2e-2  #: relative (norm) tolerance for gradients; accepted variants differ by < 0.3 %

any_shapes = st.tuples(st.integers(2, 6), st.integers(1, 6), st.integers(1, 6))
# N·L ≥ 16: here the accepted variants agree within the tolerance (GRADING-DECISIONS.md).
conditioned_shapes = st.tuples(st.integers(2, 8), st.integers(1, 5), st.integers(1, 8)).map(
    lambda s: (s[0], s[1], max(s[2], math.ceil(16 / s[0]))))

#: torch's own normalisations (by function or ATen kernel name): any of them computes the answer for the student
OTHER_NORMALISATIONS = ("batch_norm", "instance_norm", "layer_norm", "group_norm", "local_response_norm")
GAMMA_NAMES = ("gamma", "weight", "scale", "g", "w")
BETA_NAMES = ("beta", "bias", "shift", "b")


def channel_data(ctx: ItemContext, shape: tuple[int, int, int], *key: Any) -> np.ndarray:
    """Input whose channels have exactly chosen means in [-3, 3] and biased stds in [0.5, 4]."""
    n, c, length = shape
    rng = ctx.rng("bn-input", shape, *key)
    noise = rng.standard_normal(shape)
    noise = noise - noise.mean(axis=(0, 2), keepdims=True)
    noise = noise / noise.std(axis=(0, 2), keepdims=True)
    mean = rng.uniform(-3, 3, size=(1, c, 1))
    std = rng.uniform(0.5, 4, size=(1, c, 1))
    return (mean + std * noise).astype(np.float32)


def accepted_range(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Elementwise [low, high] of every accepted normalisation, with float32 slack.

    (x - mean) / d is monotonic in d, so the extremes come from the smallest
    (biased std, eps = 0) and largest (unbiased std + eps_max) denominators.
    """
    x64 = x.astype(np.float64)
    n = x.shape[0] * x.shape[2]
    centred = x64 - x64.mean(axis=(0, 2), keepdims=True)
    var_biased = (centred**2).mean(axis=(0, 2), keepdims=True)
    d_small = np.sqrt(var_biased)
    var_unbiased = var_biased * n / max(n - 1, 1)
    d_large = np.maximum(np.sqrt(var_unbiased) + EPS_MAX, np.sqrt(var_unbiased + EPS_MAX))
    g = gamma.reshape(1, -1, 1).astype(np.float64)
    b = beta.reshape(1, -1, 1).astype(np.float64)
    a1 = centred / d_small * g + b
    a2 = centred / d_large * g + b
    low, high = np.minimum(a1, a2), np.maximum(a1, a2)
    slack = SLACK * (1 + np.abs(high) + np.abs(low))
    return low - slack, high + slack


def run(ctx: ItemContext, x: np.ndarray, mode: str = "train", set_params: dict[str, np.ndarray] | None = None,
        **call: Any) -> dict[str, Any]:
    c = x.shape[1]
    [result] = ctx.exercise((c,), [{"input": x, "mode": mode, "seed": 0, **call}], set_params)
    return result


def output_of(result: dict[str, Any], x: np.ndarray, mode: str = "training") -> np.ndarray:
    what = f"BatchNorm({x.shape[1]}) in {mode} mode on input of shape {shape_str(x.shape)}"
    out = result["output"]
    require_tensor(out, what)
    if tuple(out["shape"]) != x.shape:
        raise CheckFailed(f"{what} returned shape {shape_str(out['shape'])}; expected {shape_str(x.shape)}",
                          f"input shape {shape_str(x.shape)}")
    return out["data"]


def check_in_range(x: np.ndarray, out: np.ndarray, gamma: np.ndarray, beta: np.ndarray, what: str) -> None:
    low, high = accepted_range(x, gamma, beta)
    bad = ~((out >= low) & (out <= high))
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        channel = index[1]
        values = x[:, channel, :]
        raise CheckFailed(
            f"{what}: the output is not the input normalised per channel over (N, L) with batch statistics",
            f"input shape {shape_str(x.shape)}; channel {channel} has mean {values.mean():.4g} and std "
            f"{values.std():.4g}; at index {index} the input is {x[index]:.6g}, so the output should lie in "
            f"[{low[index]:.6g}, {high[index]:.6g}] (biased/unbiased std, eps ≤ {EPS_MAX:g}); got {out[index]:.6g}")


# -- parameters --------------------------------------------------------------------

def affine_parameters(info: dict[str, Any], c: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(gamma, beta) entries of module_info's parameter list, or CheckFailed saying what is wrong."""
    params = [p for p in info["parameters"] if p["requires_grad"]]
    loose = [t["name"] for t in info["unregistered_tensors"]]
    if len(params) != 2:
        hint = (f" The tensors {', '.join(loose)} are attributes but not nn.Parameters, so the optimizer "
                "never sees them: wrap them in nn.Parameter(...)." if loose else "")
        names = ", ".join(f"{p['name']} {shape_str(p['shape'])}" for p in params) or "none"
        raise CheckFailed(f"BatchNorm({c}) must have exactly two trainable parameters (gamma and beta); "
                          f"found {len(params)}: {names}.{hint}")
    for p in params:
        size = int(np.prod(p["shape"]))
        if size != c or sorted(p["shape"], reverse=True)[1:] != [1] * (len(p["shape"]) - 1):
            raise CheckFailed(f"parameter {p['name']} of BatchNorm({c}) has shape {shape_str(p['shape'])}; "
                              f"it needs exactly {c} elements, one per channel")

    def named(p: dict[str, Any], names: tuple[str, ...]) -> bool:
        return p["name"].lower() in names

    first, second = params
    if named(first, BETA_NAMES) or named(second, GAMMA_NAMES):
        first, second = second, first
    elif not (named(first, GAMMA_NAMES) or named(second, BETA_NAMES)):
        if first["values"] is not None and np.allclose(first["values"], 0) and np.allclose(second["values"], 1):
            first, second = second, first
    return first, second


def parameters(ctx: ItemContext) -> None:
    for c in (3, 5):
        info = ctx.module_info(c)
        gamma, beta = affine_parameters(info, c)
        if info["trainable"] != 2 * c:
            raise CheckFailed(f"BatchNorm({c}) has {info['trainable']} trainable parameters; expected {2 * c}")
        if not np.allclose(gamma["values"], 1.0) or not np.allclose(beta["values"], 0.0):
            raise CheckFailed("gamma must start at 1 and beta at 0",
                              f"BatchNorm({c}): {gamma['name']} = {np.ravel(gamma['values']).tolist()}, "
                              f"{beta['name']} = {np.ravel(beta['values']).tolist()}")


# -- forward -----------------------------------------------------------------------

def output_shape(ctx: ItemContext) -> None:
    def prop(shape: tuple[int, int, int]) -> None:
        x = channel_data(ctx, shape)
        try:
            output_of(run(ctx, x), x)
        except CheckFailed as exc:
            raise CheckFailed(f"on input of shape {shape_str(shape)}: {exc.message}", exc.counterexample) from None

    for_all(ctx, any_shapes, prop)


def normalisation(ctx: ItemContext) -> None:
    def prop(shape: tuple[int, int, int]) -> None:
        x = channel_data(ctx, shape)
        out = output_of(run(ctx, x), x)
        c = shape[1]
        check_in_range(x, out, np.ones(c), np.zeros(c), "with gamma = 1 and beta = 0")

    for_all(ctx, conditioned_shapes, prop)


def _affine_values(ctx: ItemContext, c: int) -> tuple[np.ndarray, np.ndarray]:
    rng = ctx.rng("affine", c)
    gamma = rng.uniform(0.5, 2.0, c) * np.where(rng.random(c) < 0.3, -1, 1)
    return gamma.astype(np.float32), rng.uniform(-2, 2, c).astype(np.float32)


def affine_applied(ctx: ItemContext) -> None:
    def prop(shape: tuple[int, int, int]) -> None:
        c = shape[1]
        gamma_p, beta_p = affine_parameters(ctx.module_info(c), c)
        gamma, beta = _affine_values(ctx, c)
        x = channel_data(ctx, shape)
        out = output_of(run(ctx, x, set_params={gamma_p["name"]: gamma, beta_p["name"]: beta}), x)
        check_in_range(x, out, gamma, beta, f"with gamma = {gamma.tolist()} and beta = {beta.tolist()}")

    for_all(ctx, conditioned_shapes, prop, max_examples=10)


def eval_batch_statistics(ctx: ItemContext) -> None:
    shape = (8, 3, 4)
    train_batches = [channel_data(ctx, shape, "train", i) * 3 + 5 for i in range(3)]
    x = channel_data(ctx, shape, "eval") * 0.7 - 2
    calls = [{"input": b, "mode": "train", "seed": i} for i, b in enumerate(train_batches)]
    calls.append({"input": x, "mode": "eval", "seed": 9})
    results = ctx.exercise((3,), calls)
    out = output_of(results[-1], x, mode="eval")
    check_in_range(x, out, np.ones(3), np.zeros(3),
                   "in eval mode (after three training batches with other statistics), "
                   "as the assignment says batch statistics only, no running averages")


def _reference_gradients(x: np.ndarray, g: np.ndarray, unbiased: bool) -> tuple[np.ndarray, ...]:
    module = ReferenceBatchNorm(x.shape[1], unbiased=unbiased).double()
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    module(xt).backward(torch.tensor(g, dtype=torch.float64))
    assert xt.grad is not None and module.gamma.grad is not None and module.beta.grad is not None
    return xt.grad.numpy(), module.gamma.grad.numpy(), module.beta.grad.numpy()


def gradients(ctx: ItemContext) -> None:
    def prop(shape: tuple[int, int, int]) -> None:
        c = shape[1]
        gamma_p, beta_p = affine_parameters(ctx.module_info(c), c)
        x = channel_data(ctx, shape)
        z = (x - x.mean(axis=(0, 2), keepdims=True)) / x.std(axis=(0, 2), keepdims=True)
        # Upstream gradient correlated with the normalised value and with a non-zero mean,
        # so that a detached mean or std changes the input gradient by a large amount.
        g = (z + 1.0 + 0.3 * ctx.rng("grad", shape).standard_normal(shape)).astype(np.float32)
        result = run(ctx, x, requires_grad=True, grad_output=g)
        output_of(result, x)
        backward = result.get("backward", {})
        if not backward.get("connected") or backward.get("input_grad") is None:
            raise CheckFailed("the output is not connected to the input in the autograd graph",
                              f"input shape {shape_str(shape)}")
        got = (backward["input_grad"], backward["param_grads"].get(gamma_p["name"]),
               backward["param_grads"].get(beta_p["name"]))
        if got[1] is None or got[2] is None:
            raise CheckFailed("no gradient reached gamma or beta: are they used in forward?")
        errors = []
        for unbiased in (False, True):
            expected = _reference_gradients(x, g, unbiased)
            errors.append([relative_error(a, e) for a, e in zip(got, expected)])
        best = min(errors, key=max)
        if max(best) > GRAD_RTOL:
            names = ("the input", "gamma", "beta")
            worst = int(np.argmax(best))
            raise CheckFailed(
                f"the gradient with respect to {names[worst]} is off by {best[worst]:.1%} (relative norm); "
                "every operation must stay in the autograd graph (no torch.tensor([...]) from Python numbers, "
                "no .item(), .detach() or NumPy in forward)",
                f"input shape {shape_str(shape)}, compared with both biased and unbiased normalisation; "
                f"relative errors (input, gamma, beta): {', '.join(f'{e:.2%}' for e in best)}")

    for_all(ctx, conditioned_shapes, prop, max_examples=10)


def constant_channel_finite(ctx: ItemContext) -> None:
    x = channel_data(ctx, (4, 3, 5), "constant")
    x[:, 1, :] = 2.5
    out = output_of(run(ctx, x), x)
    if not np.isfinite(out).all():
        raise CheckFailed("a channel whose values are all equal gives NaN or inf: add eps to the denominator",
                          f"input shape (4, 3, 5) with channel 1 constant at 2.5: output channel 1 is "
                          f"{out[0, 1, :3].tolist()}…")


def input_unchanged(ctx: ItemContext) -> None:
    x = channel_data(ctx, (4, 3, 5), "inplace")
    for mode in ("train", "eval"):
        if run(ctx, x, mode=mode).get("input_changed"):
            raise CheckFailed("forward modified its input in place; compute a new tensor instead",
                              f"BatchNorm(3) in {mode} mode on input of shape (4, 3, 5)")


def no_torch_batchnorm(ctx: ItemContext) -> None:
    x = channel_data(ctx, (4, 3, 5), "own")
    used = [f for f in run(ctx, x)["torch_functions"] if any(kind in f for kind in OTHER_NORMALISATIONS)]
    if used:
        raise CheckFailed(f"forward calls PyTorch's own normalisation ({', '.join(used)}); "
                          "the assignment asks you to implement it yourself")


CHECKS = (
    Check("parameters", "gamma and beta are nn.Parameters with one value per channel, initialised to 1 and 0", 2,
          parameters),
    Check("output_shape", "output has the input's shape (N, C, L) for any N ≥ 2, C, L", 2, output_shape),
    Check("normalisation", "each channel is normalised over (N, L) with batch statistics", 3, normalisation),
    Check("affine_applied", "gamma scales and beta shifts each channel", 2, affine_applied),
    Check("eval_batch_statistics", "eval mode also uses the batch's own statistics (no running averages)", 2,
          eval_batch_statistics),
    Check("gradients", "gradients with respect to input, gamma and beta are right", 2, gradients),
    Check("constant_channel_finite", "a constant channel gives a finite output (eps is used)", 1,
          constant_channel_finite),
    Check("input_unchanged", "the input tensor is not modified in place", 1, input_unchanged),
    Check("no_torch_batchnorm", "does not call PyTorch's own batch normalisation", 1, no_torch_batchnorm),
)
