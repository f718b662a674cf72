"""Checks of ``ResidualBlock(in_channels, out_channels, stride)``.

The text: two 3×3 convolutions with 'same' padding and no bias, each followed by batch
normalisation, ReLU after the first and after adding the given skip connection.
Equivalence is judged by copying the reference block's weights (and running
statistics) into the student's block, see :mod:`grader.checks.weight_copy`.
"""

from __future__ import annotations

import copy
import math
from collections import Counter
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import strategies as st

from grader.checks import weight_copy
from grader.checks.core import Check, CheckFailed, ItemContext
from grader.checks.search import for_all
from grader.checks.signature import keeps_defaults
from grader.checks.tensors import relative_error, require_tensor, shape_str
from reference.resnet_cifar10 import ResidualBlock as ReferenceBlock

#: (in_channels, out_channels, stride, input shape (N, H, W)): no change, downsampling with more
#: channels, downsampling alone, more channels alone.
CONFIGS = ((4, 4, 1, (3, 6, 6)), (4, 8, 2, (2, 7, 5)), (6, 6, 2, (3, 5, 5)), (3, 5, 1, (2, 4, 6)))
PARAMETER_CONFIGS = ((16, 16, 1), (16, 32, 2), (8, 8, 2), (3, 8, 1))
ATOL = RTOL = 1e-4
GRAD_RTOL = 1e-3  #: relative (norm) error allowed in gradients; float32 rounding is ~1e-6

# Wrong wirings a student's block may have, each as the reference block computes it.
MISTAKES: dict[str, str] = {
    "relu_before_addition": "ReLU is applied before the skip connection is added; the block must add the "
                            "skip to the second batch norm's output and only then apply ReLU",
    "no_final_relu": "there is no ReLU after adding the skip connection",
    "no_skip": "the skip connection is never added",
    "no_inner_relu": "there is no ReLU between the first batch norm and the second convolution",
}


def block_forward(block: ReferenceBlock, x: torch.Tensor, wiring: str = "correct") -> torch.Tensor:
    """The reference block's forward, or one of the MISTAKES, with the same weights."""
    h = block.bn1(block.conv1(x))
    if wiring != "no_inner_relu":
        h = F.relu(h)
    h = block.bn2(block.conv2(h))
    skip = block.skip(x)
    if wiring == "relu_before_addition":
        return F.relu(h) + skip
    if wiring == "no_final_relu":
        return h + skip
    if wiring == "no_skip":
        return F.relu(h)
    return F.relu(h + skip)


def reference_block(ctx: ItemContext, cin: int, cout: int, stride: int) -> ReferenceBlock:
    """A reference block whose batch norms have distinct, non-trivial weights and running statistics."""
    torch.manual_seed(ctx.derive_seed("reference", cin, cout, stride))
    block = ReferenceBlock(cin, cout, stride)
    with torch.no_grad():
        for bn in (block.bn1, block.bn2):
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.5, 0.5)
            bn.running_mean.normal_(0, 0.3)
            bn.running_var.uniform_(0.5, 2.0)
    return block


def block_input(ctx: ItemContext, shape: tuple[int, ...], *key: Any) -> np.ndarray:
    return ctx.rng("block-input", shape, *key).standard_normal(shape).astype(np.float32)


def expected_shape(cin: int, cout: int, stride: int, n: int, h: int, w: int) -> tuple[int, int, int, int]:
    return (n, cout, math.ceil(h / stride), math.ceil(w / stride))


def _state(block: torch.nn.Module) -> dict[str, np.ndarray]:
    return {name: value.detach().numpy().copy() for name, value in block.state_dict().items()}


# -- equivalence with the reference ------------------------------------------------------

def _reference_outputs(block: ReferenceBlock, x_eval: np.ndarray, x_train: np.ndarray,
                       wiring: str = "correct") -> dict[str, np.ndarray]:
    block = copy.deepcopy(block)
    with torch.no_grad():
        block.eval()
        eval_out = block_forward(block, torch.from_numpy(x_eval), wiring).numpy()
        block.train()
        train_out = block_forward(block, torch.from_numpy(x_train), wiring).numpy()
    return {"eval": eval_out, "train": train_out}


def _close(got: np.ndarray, expected: np.ndarray) -> bool:
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=RTOL, atol=ATOL))


def equivalence(ctx: ItemContext, config: tuple[int, int, int, tuple[int, int, int]]) -> dict[str, Any]:
    """Outputs of the student's block with the reference's weights, under the best mapping (memoised)."""
    key = ("equivalence", config)
    if key in ctx.memo:
        return ctx.memo[key]
    cin, cout, stride, (n, h, w) = config
    reference = reference_block(ctx, cin, cout, stride)
    x_eval = block_input(ctx, (n, cin, h, w), "eval")
    x_train = block_input(ctx, (n, cin, h, w), "train") * 2 + 0.5
    expected = _reference_outputs(reference, x_eval, x_train)
    layout = ctx.request("module_layout", {"target": ctx.target(cin, cout, stride)})
    shapes = {p["name"]: p["shape"] for unit in layout["units"] for p in unit["parameters"] + unit["buffers"]}
    mappings = weight_copy.candidate_mappings(layout["units"], weight_copy.reference_units(reference), "ResidualBlock")
    what = f"ResidualBlock({cin}, {cout}, stride={stride}) on input of shape {shape_str((n, cin, h, w))}"
    result: dict[str, Any] = {"what": what, "expected": expected, "mapping": None, "got": None,
                              "reference": reference, "inputs": (x_eval, x_train), "shapes": shapes}
    for mapping in mappings:
        state = weight_copy.student_state(mapping, _state(reference), shapes)
        calls = ctx.exercise((cin, cout, stride), [{"input": x_eval, "mode": "eval", "seed": 0},
                                                   {"input": x_train, "mode": "train", "seed": 0}], state)
        got = {}
        for mode, call in zip(("eval", "train"), calls):
            require_tensor(call["output"], f"{what} in {mode} mode")
            got[mode] = np.asarray(call["output"]["data"], dtype=np.float64).reshape(call["output"]["shape"])
        if result["got"] is None or all(_close(got[m], expected[m]) for m in got):
            result.update(mapping=mapping, got=got)
        if all(_close(got[m], expected[m]) for m in got):
            break
    ctx.memo[key] = result
    return result


def _explain_mismatch(result: dict[str, Any], mode: str) -> CheckFailed:
    got, expected, what = result["got"][mode], result["expected"][mode], result["what"]
    mapping = weight_copy.describe(result["mapping"])
    if got.shape != expected.shape:
        return CheckFailed(f"{what} in {mode} mode returned shape {shape_str(got.shape)}; expected "
                           f"{shape_str(expected.shape)}")
    x_eval, x_train = result["inputs"]
    for wiring, explanation in MISTAKES.items():
        if _close(got, _reference_outputs(result["reference"], x_eval, x_train, wiring)[mode]):
            return CheckFailed(explanation, f"{what} in {mode} mode, with the reference's weights copied in "
                                            f"({mapping})")
    index = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(got - expected)), got.shape))
    hint = (" In eval mode batch normalisation must use its running statistics (nn.BatchNorm2d does)."
            if mode == "eval" and _close(result["got"]["train"], result["expected"]["train"]) else "")
    return CheckFailed(
        f"with the reference's weights copied into your block, its {mode}-mode output differs from "
        f"conv → BN → ReLU → conv → BN, + skip, → ReLU.{hint}",
        f"{what}; weights copied as {mapping}; at index {index} expected {expected[index]:.6g}, got "
        f"{got[index]:.6g} (largest difference {np.abs(got - expected).max():.3g})")


def _matches_reference(mode: str) -> Callable[[ItemContext], None]:
    def check(ctx: ItemContext) -> None:
        for config in CONFIGS:
            result = equivalence(ctx, config)
            if result["mapping"] is None:
                raise CheckFailed("the block's parameters cannot be matched to the reference's (two convolution "
                                  "weights and two batch norms); see parameter_shapes", result["what"])
            if not _close(result["got"][mode], result["expected"][mode]):
                raise _explain_mismatch(result, mode)
    check.__name__ = check.__qualname__ = f"matches_reference_{mode}"
    return check


# -- structure -----------------------------------------------------------------------------

def _shape_list(shapes: Counter) -> str:
    return ", ".join(f"{shape_str(s)}" + (f" ×{k}" if k > 1 else "") for s, k in sorted(shapes.items()))


def parameter_shapes(ctx: ItemContext) -> None:
    for cin, cout, stride in PARAMETER_CONFIGS:
        layout = ctx.request("module_layout", {"target": ctx.target(cin, cout, stride)})
        what = f"ResidualBlock({cin}, {cout}, stride={stride})"
        got = Counter(tuple(p["shape"]) for u in layout["units"] for p in u["parameters"] if p["requires_grad"])
        reference = ReferenceBlock(cin, cout, stride)
        expected = Counter(tuple(p.shape) for p in reference.parameters())
        if got == expected:
            continue
        extra, missing = got - expected, expected - got
        total = sum(p.numel() for p in reference.parameters())
        detail = (f"{what} has {layout['trainable']:,} trainable parameters, the reference {total:,}; "
                  f"extra: {_shape_list(extra) or 'none'}; missing: {_shape_list(missing) or 'none'}")
        if layout["hidden_modules"] and not got:
            raise CheckFailed("the layers are kept in a plain Python list or dict, so PyTorch does not register "
                              "their parameters: use nn.ModuleList, or assign each layer to an attribute", detail)
        if extra and all(len(s) == 1 and s[0] == cout for s in extra) and not missing:
            raise CheckFailed("the convolutions have a bias; the text asks for bias=False (batch norm "
                              "right after makes a bias redundant)", detail)
        if any(len(s) == 4 and s[2:] != (3, 3) for s in extra):
            raise CheckFailed("the convolutions must have 3×3 kernels", detail)
        raise CheckFailed("the block's parameters are not two 3×3 convolutions without bias (in→out, out→out) "
                          "and two batch norms with out_channels features each", detail)


shape_configs = st.tuples(st.integers(1, 6), st.integers(0, 4), st.sampled_from([1, 2]),
                          st.integers(2, 3), st.integers(2, 9), st.integers(2, 9)).map(
    lambda t: (t[0], t[0] + t[1], t[2], t[3], t[4], t[5]))


def output_shape(ctx: ItemContext) -> None:
    def prop(config: tuple[int, ...]) -> None:
        cin, cout, stride, n, h, w = config
        x = block_input(ctx, (n, cin, h, w), "shape")
        [call] = ctx.exercise((cin, cout, stride), [{"input": x, "mode": "train", "seed": 0}])
        what = f"ResidualBlock({cin}, {cout}, stride={stride}) on input of shape {shape_str(x.shape)}"
        require_tensor(call["output"], what)
        want = expected_shape(cin, cout, stride, n, h, w)
        if tuple(call["output"]["shape"]) != want:
            raise CheckFailed("wrong output shape: 3×3 convolutions need padding=1 ('same'), and only the "
                              "first one has the stride", f"{what} returned {shape_str(call['output']['shape'])}; "
                                                            f"expected {shape_str(want)}")

    for_all(ctx, shape_configs, prop, max_examples=10)


def _reference_gradients(block: ReferenceBlock, x: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    block = copy.deepcopy(block).train()
    xt = torch.tensor(x, requires_grad=True)
    block_forward(block, xt).backward(torch.from_numpy(g))
    assert xt.grad is not None
    return xt.grad.numpy(), {n: p.grad.numpy() for n, p in block.named_parameters() if p.grad is not None}


def gradients(ctx: ItemContext) -> None:
    for config in CONFIGS[:2]:
        cin, cout, stride, (n, h, w) = config
        x = block_input(ctx, (n, cin, h, w), "grad")
        g = block_input(ctx, expected_shape(cin, cout, stride, n, h, w), "grad-out")
        # With the reference's weights copied in (when that reproduces the forward pass), the
        # gradients must be the reference's too: a detached skip or branch changes them.
        equivalent = equivalence(ctx, config)
        mapping = equivalent["mapping"] if equivalent["got"] is not None and _close(
            equivalent["got"]["train"], equivalent["expected"]["train"]) else None
        state = {}
        if mapping is not None:
            state = weight_copy.student_state(mapping, _state(equivalent["reference"]), equivalent["shapes"])
        [call] = ctx.exercise((cin, cout, stride), [{"input": x, "mode": "train", "seed": 0,
                                                     "requires_grad": True, "grad_output": g}], state)
        what = f"ResidualBlock({cin}, {cout}, stride={stride}) on input of shape {shape_str(x.shape)}"
        require_tensor(call["output"], what)
        backward = call.get("backward", {})
        if backward.get("error"):
            raise CheckFailed(backward["error"], what)
        if not backward.get("connected") or backward.get("input_grad") is None:
            raise CheckFailed("the output is not connected to the input in the autograd graph", what)
        dead = [name for name, grad in backward["param_grads"].items()
                if grad is None or not np.isfinite(grad).all() or not np.any(grad)]
        if dead:
            raise CheckFailed(f"no gradient reaches {', '.join(dead)}: every registered layer must be used in "
                              "forward, inside the autograd graph", what)
        if mapping is None:
            continue
        input_grad, param_grads = _reference_gradients(equivalent["reference"], x, g)
        errors = {"the input": relative_error(backward["input_grad"], input_grad)}
        for student_name, reference_name in mapping.items():
            if reference_name in param_grads and backward["param_grads"].get(student_name) is not None:
                errors[student_name] = relative_error(backward["param_grads"][student_name],
                                                       param_grads[reference_name])
        worst = max(errors, key=errors.get)  # type: ignore[arg-type]
        if errors[worst] > GRAD_RTOL:
            raise CheckFailed(
                f"the gradient with respect to {worst} is off by {errors[worst]:.1%} although the forward pass is "
                "right: part of the computation is cut out of the autograd graph (.detach(), .data, "
                "torch.no_grad() or NumPy on the main path or the skip)", f"{what}, with the reference's weights")


def input_unchanged(ctx: ItemContext) -> None:
    for cin, cout, stride, (n, h, w) in CONFIGS[:2]:
        x = block_input(ctx, (n, cin, h, w), "inplace")
        for mode in ("train", "eval"):
            [call] = ctx.exercise((cin, cout, stride), [{"input": x, "mode": mode, "seed": 0}])
            if call.get("input_changed"):
                raise CheckFailed("forward modified its input in place (with an identity skip, `out = "
                                  "self.skip(x); out += ...` writes into x): use `out = out + self.skip(x)`",
                                  f"ResidualBlock({cin}, {cout}, stride={stride}) in {mode} mode on input of "
                                  f"shape {shape_str(x.shape)}")


def relu_after_addition(ctx: ItemContext) -> None:
    for cin, cout, stride, (n, h, w) in CONFIGS:
        x = block_input(ctx, (n, cin, h, w), "relu") * 3 - 1
        for mode in ("train", "eval"):
            [call] = ctx.exercise((cin, cout, stride), [{"input": x, "mode": mode, "seed": 0}])
            what = f"ResidualBlock({cin}, {cout}, stride={stride}) in {mode} mode on input of shape {shape_str(x.shape)}"
            require_tensor(call["output"], what)
            out = np.asarray(call["output"]["data"])
            if out.size and out.min() < 0:
                index = tuple(int(i) for i in np.unravel_index(np.argmin(out), out.shape))
                raise CheckFailed("the block's output has negative values: the last operation must be the ReLU "
                                  "applied after adding the skip connection", f"{what}: at index {index} the "
                                                                              f"output is {out[index]:.4g}")


CHECKS = (
    Check("parameter_shapes", "two 3×3 convolutions without bias and two batch norms, with the right shapes", 3,
          parameter_shapes),
    Check("output_shape", "output (N, out_channels, ⌈H/stride⌉, ⌈W/stride⌉) ('same' padding)", 2, output_shape),
    Check("matches_reference_train", "with the reference's weights, the training-mode output is the reference's", 4,
          _matches_reference("train")),
    Check("matches_reference_eval", "with the reference's weights and running statistics, the eval-mode output is "
          "the reference's", 2, _matches_reference("eval")),
    Check("gradients", "every parameter and the input receive the reference's gradient", 2, gradients),
    Check("input_unchanged", "the input tensor is not modified in place", 1, input_unchanged),
    Check("relu_after_addition", "the skip is added before the final ReLU (no negative outputs)", 2,
          relu_after_addition),
    Check("keeps_defaults", "keeps the given default stride=1 (the notebook builds most blocks without a stride)", 1,
          keeps_defaults({"stride": 1}, "ResidualBlock(in_channels, out_channels, stride=1)",
                         "ResidualBlock(out_channels, out_channels) in ResidualStack", missing_ok=True)),
)
