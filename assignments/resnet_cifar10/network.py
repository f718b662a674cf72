"""Checks of ``resnet``, the ``nn.Sequential`` ResNet-32 for CIFAR-10 (n = 5).

The paper's CIFAR network: a 3×3 convolution 3→16 with batch norm and ReLU, three stages
of n residual blocks with 16, 32, 64 channels and strides 1, 2, 2, global average
pooling and a 64→10 linear layer: 6n + 2 = 32 layers and 464,154 trainable parameters.
The worker traces one forward pass (which modules run, in which order, with which
shapes), so each check judges what the network adds, not the student's blocks
(GRADING-DECISIONS.md).
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

import numpy as np

from grader.checks.core import Check, CheckFailed, ItemContext
from grader.checks.tensors import require_tensor, shape_str

N_BLOCKS = 5
EXPECTED_PARAMETERS = 464_154
STEM_PARAMETERS = 3 * 16 * 9 + 2 * 16  #: conv without bias + batch norm
HEAD_PARAMETERS = 64 * 10 + 10
STAGES = ((16, 16, 1), (16, 32, 2), (32, 64, 2))  #: (in, out, stride) of each stage's first block
WATCH = ["ResidualBlock", "ResidualStack"]
IMAGE = (3, 32, 32)


def expected_blocks() -> list[tuple[int, int, int]]:
    blocks = []
    for cin, cout, stride in STAGES:
        blocks += [(cin, cout, stride)] + [(cout, cout, 1)] * (N_BLOCKS - 1)
    return blocks


def image_batch(ctx: ItemContext, n: int, *key: Any) -> np.ndarray:
    return ctx.rng("images", n, *key).standard_normal((n,) + IMAGE).astype(np.float32)


def instance(ctx: ItemContext) -> dict[str, Any]:
    return {"name": ctx.name, "instantiate": False}


# -- the trace -------------------------------------------------------------------------------

def _is_block(call: dict[str, Any]) -> bool:
    return "ResidualBlock" in call["watched"] or ("block" in call["type"].lower() and not call["leaf"])


class Trace:
    """One eval-mode forward of a batch of two images, read as stem / blocks / head."""

    def __init__(self, report: dict[str, Any]) -> None:
        self.report = report
        self.calls = report["calls"]
        self.blocks = [c for c in self.calls if _is_block(c) and not self._inside_block(c)]
        first = self.calls.index(self.blocks[0]) if self.blocks else len(self.calls)
        self.stem = [c for c in self.calls[:first] if c["leaf"]]
        if self.blocks:
            last = self.blocks[-1]
            after = self.calls[self.calls.index(last) + 1:]
            self.head = [c for c in after if c["leaf"] and not c["name"].startswith(last["name"] + ".")]
        else:
            self.head = []

    def _inside_block(self, call: dict[str, Any]) -> bool:
        return any(call["name"].startswith(b["name"] + ".") for b in self.calls if _is_block(b) and b is not call)

    def block_shapes(self) -> list[tuple[int, int, int]]:
        shapes = []
        for block in self.blocks:
            inp, out = block["input_shape"], block["output_shape"]
            if not inp or not out or len(inp) != 4 or len(out) != 4:
                shapes.append((-1, -1, -1))
                continue
            shapes.append((inp[1], out[1], max(1, round(inp[2] / max(out[2], 1)))))
        return shapes

    def stem_is_block(self) -> bool:
        shapes = self.block_shapes()
        return bool(shapes) and shapes[0][0] == 3

    def stage_blocks(self) -> list[tuple[int, int, int]]:
        """The blocks of the three stages (a residual block used as the stem is the stem's problem)."""
        shapes = self.block_shapes()
        return shapes[1:] if self.stem_is_block() else shapes


def trace(ctx: ItemContext, capture: tuple[str, ...] = ()) -> dict[str, Any]:
    key = ("trace", capture)
    if key not in ctx.memo:
        ctx.memo[key] = ctx.request("trace_forward", {"target": instance(ctx), "input": image_batch(ctx, 2, "trace"),
                                                      "mode": "eval", "watch": WATCH, "capture": list(capture)})
    return ctx.memo[key]


def structure(ctx: ItemContext) -> Trace:
    return Trace(trace(ctx))


# -- what is wrong, in words -------------------------------------------------------------------

def _stages_text(blocks: list[tuple[int, int, int]]) -> str:
    """'16→16: 10 blocks; 16→32 (stride 2) + 9 × 32→32; …' from a list of (in, out, stride)."""
    stages: list[list[tuple[int, int, int]]] = []
    for block in blocks:
        if not stages or block[0] != block[1] or block[2] != 1:
            stages.append([block])
        else:
            stages[-1].append(block)
    parts = []
    for stage in stages:
        cin, cout, stride = stage[0]
        first = f"{cin}→{cout}" + (f" (stride {stride})" if stride != 1 else "")
        parts.append(f"{first}, {len(stage)} block{'s' if len(stage) != 1 else ''}")
    return "; ".join(parts) or "no residual blocks"


def stem_problem(t: Trace) -> str:
    if t.stem_is_block():
        return ("the first layer is a residual block (3→16: two convolutions and a skip) instead of a single 3×3 "
                "convolution 3→16 with batch norm and ReLU")
    convs = [c for c in t.stem if c["layer"] == "conv2d"]
    bns = [c for c in t.stem if c["layer"] == "batchnorm"]
    if len(convs) != 1:
        return f"the stem before the first residual block has {len(convs)} convolutions; expected one 3×3 conv 3→16"
    conv = convs[0]
    if (conv["in_channels"], conv["out_channels"], conv["kernel_size"], conv["stride"]) != (3, 16, [3, 3], [1, 1]):
        return (f"the first convolution is {conv['in_channels']}→{conv['out_channels']} with kernel "
                f"{tuple(conv['kernel_size'])} and stride {tuple(conv['stride'])}; expected 3→16, 3×3, stride 1")
    if len(bns) != 1 or t.stem.index(bns[0]) < t.stem.index(conv):
        return "the first convolution must be followed by batch normalisation (nn.BatchNorm2d(16))"
    return ""


def stages_problem(t: Trace) -> str:
    got, want = t.stage_blocks(), expected_blocks()
    if got == want:
        return ""
    counts = [len(list(g)) for _, g in groupby(got, key=lambda b: b[1])]
    if len(counts) == 3 and all(c == 2 * N_BLOCKS for c in counts):
        cause = (f"each stage has 2n = {2 * N_BLOCKS} blocks instead of n = {N_BLOCKS}: a ResidualBlock already holds "
                 f"two of the 6n + 2 layers")
    else:
        cause = f"the stages must hold n = {N_BLOCKS} blocks each: 16→16, then 16→32 with stride 2, then 32→64 with stride 2"
    return f"{cause} (your blocks: {_stages_text(got)}; expected: {_stages_text(want)})"


def _head_linear(t: Trace) -> dict[str, Any] | None:
    linears = [c for c in t.head if c["layer"] == "linear"]
    return linears[-1] if linears else None


def head_problem(t: Trace) -> str:
    linear = _head_linear(t)
    if linear is None:
        return "there is no linear layer after the last residual block"
    if (linear["in_features"], linear["out_features"]) != (64, 10):
        return (f"the final linear layer is {linear['in_features']}→{linear['out_features']}; expected 64→10 "
                "after global average pooling")
    if t.head[-1] is not linear:
        return (f"the network applies {t.head[-1]['type']} after the final linear layer; the output must be the "
                "raw scores (logits): nn.CrossEntropyLoss applies the softmax itself")
    return ""


# -- checks -------------------------------------------------------------------------------------

def _block_parameter_counts(ctx: ItemContext) -> dict[tuple[int, int, int], int] | None:
    counts = {}
    for config in set(expected_blocks()):
        try:
            layout = ctx.request("module_layout", {"target": {"name": "ResidualBlock", "args": list(config)}})
        except CheckFailed:
            return None
        counts[config] = layout["trainable"]
    return counts


def _likely_causes(ctx: ItemContext) -> list[str]:
    """What the traced structure says is wrong (nothing when even the forward pass fails)."""
    try:
        t = structure(ctx)
    except CheckFailed:
        return []
    causes = [p for p in (stem_problem(t), stages_problem(t), head_problem(t)) if p]
    stem_convs = [c for c in t.stem if c["layer"] == "conv2d"]
    if stem_convs and stem_convs[0]["bias"]:
        causes.append("the first convolution has a bias (16 parameters the batch norm makes redundant)")
    return causes


def network_layout(ctx: ItemContext) -> dict[str, Any]:
    """The network's registered layout (type, parameters, trainable count): asked of the worker once
    for every check that needs it, with no forward pass."""
    return ctx.memoised("resnet-layout", lambda: ctx.request("module_layout", {"target": instance(ctx)}))


def parameter_count(ctx: ItemContext) -> None:
    total = network_layout(ctx)["trainable"]
    if total == EXPECTED_PARAMETERS:
        return
    counts = _block_parameter_counts(ctx)
    with_your_blocks = (STEM_PARAMETERS + HEAD_PARAMETERS + sum(counts[b] for b in expected_blocks())
                        if counts else None)
    if total == with_your_blocks:
        return  # the difference is the blocks' own, charged to ResidualBlock
    causes = _likely_causes(ctx)
    also = (f" (with your ResidualBlock's sizes it should have {with_your_blocks:,})"
            if with_your_blocks not in (None, EXPECTED_PARAMETERS) else "")
    likely = ("Likely cause: " + "; ".join(causes) + ".") if causes else ""
    raise CheckFailed(f"resnet has {total:,} trainable parameters; the CIFAR-10 ResNet-32 (n = {N_BLOCKS}) has "
                      f"{EXPECTED_PARAMETERS:,}{also}. {likely}".strip())


def stem(ctx: ItemContext) -> None:
    t = structure(ctx)
    problem = stem_problem(t)
    if problem:
        raise CheckFailed(problem, "the layers before the first residual block: "
                                   + (", ".join(c["type"] for c in t.stem) or "none"))
    conv = [c for c in t.stem if c["layer"] == "conv2d"][0]
    bn = [c for c in t.stem if c["layer"] == "batchnorm"][0]
    if not t.blocks:
        raise CheckFailed("the network has no residual blocks")
    feature_map = tuple(conv["output_shape"][2:]) if conv["output_shape"] else ()
    if feature_map != IMAGE[1:]:
        raise CheckFailed(f"the first convolution turns the 32×32 images into {_size(feature_map)} feature maps "
                          f"({_padding(conv)}); with a 3×3 kernel, padding=1 keeps them 32×32, so the stages "
                          "work on 32×32, 16×16 and 8×8 maps", f"input {shape_str((2,) + IMAGE)}, first "
                          f"convolution's output {shape_str(tuple(conv['output_shape'] or ()))}")
    captured = trace(ctx, (conv["name"], bn["name"], t.blocks[0]["name"]))["captured"]
    convolved = captured.get(conv["name"], {}).get("output")
    bn_input = captured.get(bn["name"], {}).get("input")
    if convolved is None or bn_input is None or convolved.shape != bn_input.shape \
            or not np.allclose(bn_input, convolved, atol=1e-6):
        raise CheckFailed("the stem's batch norm must normalise the convolution's output directly: convolution → "
                          "batch norm → ReLU, in that order (the text: a convolution layer is always convolution + "
                          "batch norm + activation); yours changes the convolution's output before the batch norm",
                          "the layers before the first residual block: " + ", ".join(c["type"] for c in t.stem))
    normalised = captured.get(bn["name"], {}).get("output")
    block_input = captured.get(t.blocks[0]["name"], {}).get("input")
    if normalised is None or block_input is None or normalised.shape != block_input.shape \
            or not np.allclose(block_input, np.maximum(normalised, 0), atol=1e-6):
        raise CheckFailed("the first batch norm must be followed by a ReLU before the first residual block")


def _size(feature_map: tuple[int, ...]) -> str:
    return "×".join(map(str, feature_map)) if feature_map else "no"


def _padding(conv: dict[str, Any]) -> str:
    padding = conv.get("padding")
    if isinstance(padding, str) or not padding:
        return f"padding={padding!r}"
    return f"padding={padding[0]}" if len(set(padding)) == 1 else f"padding={tuple(padding)}"


def stages(ctx: ItemContext) -> None:
    t = structure(ctx)
    problem = stages_problem(t)
    if problem:
        raise CheckFailed(problem)


def head(ctx: ItemContext) -> None:
    t = structure(ctx)
    problem = head_problem(t)
    if problem:
        raise CheckFailed(problem, "the layers after the last residual block: "
                                   + (", ".join(c["type"] for c in t.head) or "none"))
    linear = _head_linear(t)
    assert linear is not None
    captured = trace(ctx, (t.blocks[-1]["name"], linear["name"]))
    features = captured["captured"].get(t.blocks[-1]["name"], {}).get("output")
    pooled = captured["captured"].get(linear["name"], {}).get("input")
    logits = captured["captured"].get(linear["name"], {}).get("output")
    output = captured["output"]
    if features is None or pooled is None or features.ndim != 4 or \
            pooled.reshape(pooled.shape[0], -1).shape != features.shape[:2] or \
            not np.allclose(pooled.reshape(pooled.shape[0], -1), features.mean(axis=(2, 3)), atol=1e-5, rtol=1e-5):
        raise CheckFailed("the linear layer's input must be the global average (over height and width) of the last "
                          "block's 64 feature maps: nn.AdaptiveAvgPool2d(1) and a flatten or squeeze")
    if not output.get("is_tensor") or logits is None or tuple(output["shape"]) != logits.shape or \
            not np.allclose(output["data"], logits, atol=1e-6):
        raise CheckFailed("the network's output must be the final linear layer's output (raw scores)")


def _forward_shapes(ctx: ItemContext, sizes: tuple[int, ...], mode: str) -> list[tuple[int, Any]]:
    calls = [{"input": image_batch(ctx, n, "shape", mode), "mode": mode, "seed": 0} for n in sizes]
    results = ctx.request("exercise", {"target": instance(ctx), "calls": calls, "set_params": {}})["calls"]
    shapes = []
    for n, result in zip(sizes, results):
        require_tensor(result["output"], f"resnet in {mode} mode on a batch of {n} images")
        shapes.append((n, tuple(result["output"]["shape"])))
    return shapes


def output_shape(ctx: ItemContext) -> None:
    for mode, sizes in (("eval", (2, 3, 5)), ("train", (2, 4))):
        for n, shape in _forward_shapes(ctx, sizes, mode):
            if shape != (n, 10):
                raise CheckFailed("the output must have shape (N, 10), one row of class scores per image",
                                  f"in {mode} mode, input {shape_str((n,) + IMAGE)} gave {shape_str(shape)}")


def batch_of_one(ctx: ItemContext) -> None:
    [(n, shape)] = _forward_shapes(ctx, (1,), "eval")
    if shape == (10,):
        raise CheckFailed("a batch of one image gives shape (10,) instead of (1, 10): a bare squeeze() also "
                          "removes the batch dimension. Use x.flatten(1), nn.Flatten() or "
                          "x.squeeze(-1).squeeze(-1)", f"input {shape_str((1,) + IMAGE)}")
    if shape != (1, 10):
        raise CheckFailed(f"a batch of one image gives shape {shape_str(shape)} instead of (1, 10)",
                          f"input {shape_str((1,) + IMAGE)}")


def sequential(ctx: ItemContext) -> None:
    """The text asks for an nn.Sequential; a custom module is graded on its behaviour all the same."""
    layout = network_layout(ctx)
    if not layout["sequential"]:
        raise CheckFailed(f"resnet is a `{layout['type']}`, not an `nn.Sequential` as the assignment asks "
                          "(build it as nn.Sequential(stem..., stages..., head...)); the other checks still "
                          "grade what it computes")


CHECKS = (
    Check("sequential", "resnet is an nn.Sequential, as the text asks", 1, sequential),
    Check("parameter_count", f"exactly {EXPECTED_PARAMETERS:,} trainable parameters (ResNet-32, n = 5)", 4,
          parameter_count),
    Check("stem", "first layer: one 3×3 convolution 3→16 keeping 32×32, then batch norm, then ReLU", 2, stem),
    Check("stages", "three stages of n = 5 blocks: 16, 32, 64 channels, strides 1, 2, 2", 4, stages),
    Check("head", "global average pooling, then a 64→10 linear layer as the last layer", 3, head),
    Check("output_shape", "output (N, 10) for a batch of N ≥ 2 images 3×32×32", 3, output_shape),
    Check("batch_of_one", "a batch of one image gives (1, 10) (a warning: costs nothing)", 0, batch_of_one,
          warning_only=True),
)
