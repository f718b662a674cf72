"""Checks of ``ResidualStack(in_channels, out_channels, stride, num_blocks)``.

Graded on what the stack adds to the student's own ``ResidualBlock`` (GRADING-DECISIONS.md:
a bug in the block is charged to the block only): which blocks it builds and with which
arguments, whether PyTorch sees them (registered submodules), whether forward applies them
one after the other, and whether it adds parameters of its own.  The worker records the
blocks as the stack constructs them, so none of this depends on the block being right.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.core import Check, CheckFailed, ItemContext
from grader.checks.tensors import require_tensor, shape_str

BLOCK_CLASS = "ResidualBlock"
#: (in_channels, out_channels, stride, num_blocks)
CONFIGS = ((4, 8, 2, 3), (4, 4, 1, 1), (3, 3, 1, 2), (2, 6, 2, 4))
INPUT_SIZE = (2, 6, 6)  #: N, H, W of the forward probe


def expected_blocks(cin: int, cout: int, stride: int, num_blocks: int) -> list[tuple[int, int, int]]:
    return [(cin, cout, stride)] + [(cout, cout, 1)] * (num_blocks - 1)


def blocks_of(ctx: ItemContext, config: tuple[int, int, int, int]) -> dict[str, Any]:
    """What the worker saw while building and running ``ResidualStack(*config)`` (memoised)."""
    key = ("blocks", config)
    if key not in ctx.memo:
        n, h, w = INPUT_SIZE
        x = ctx.rng("stack-input", config).standard_normal((n, config[0], h, w)).astype(np.float32)
        ctx.memo[key] = ctx.request("container_blocks", {"target": ctx.target(*config), "block_class": BLOCK_CLASS,
                                                         "input": x})
    return ctx.memo[key]


def what(config: tuple[int, int, int, int]) -> str:
    cin, cout, stride, num = config
    return f"ResidualStack({cin}, {cout}, stride={stride}, num_blocks={num})"


def _describe_blocks(blocks: list[tuple[Any, ...]]) -> str:
    return ", ".join(f"ResidualBlock({a}, {b}, stride={s})" for a, b, s in blocks) or "none"


def blocks_registered(ctx: ItemContext) -> None:
    for config in CONFIGS:
        report = blocks_of(ctx, config)
        loose = [b for b in report["blocks"] if b["registered_as"] is None]
        if not loose:
            continue
        hidden = report["hidden_modules"]
        where = (f" (`self.{hidden[0]['attribute']}` is a plain Python {hidden[0]['container']})" if hidden else "")
        raise CheckFailed(
            f"{len(loose)} of the {len(report['blocks'])} blocks are not registered as submodules{where}: their "
            "parameters are invisible to .parameters(), the optimizer, .to(device) and .train()/.eval(). "
            "Keep them in an nn.ModuleList (or nn.Sequential)",
            f"{what(config)} has {report['trainable']:,} trainable parameters; its blocks have "
            f"{sum(b['trainable'] for b in report['blocks']):,}")


def block_configuration(ctx: ItemContext) -> None:
    for config in CONFIGS:
        report = blocks_of(ctx, config)
        got = [tuple(b["arguments"]) for b in report["blocks"]]
        want = expected_blocks(*config)
        if got == want:
            continue
        if not got:
            raise CheckFailed("the stack builds no ResidualBlock; build its blocks from your ResidualBlock class",
                              what(config))
        if len(got) != len(want):
            message = f"the stack builds {len(got)} blocks instead of num_blocks = {config[3]}"
        elif got[0] != want[0]:
            message = ("the first block must change the number of channels and apply the stride: "
                       f"ResidualBlock({config[0]}, {config[1]}, stride={config[2]})")
        else:
            message = (f"only the first block changes channels or strides; the others are "
                       f"ResidualBlock({config[1]}, {config[1]}, stride=1)")
        raise CheckFailed(message, f"{what(config)} built {_describe_blocks(got)}; expected {_describe_blocks(want)}")


def applies_blocks_in_order(ctx: ItemContext) -> None:
    for config in CONFIGS:
        report = blocks_of(ctx, config)
        for mode, forward in report["forward"].items():
            label = f"{what(config)} in {mode} mode on input of shape {shape_str((INPUT_SIZE[0], config[0]) + INPUT_SIZE[1:])}"
            if "blocks_error" in forward:
                raise CheckFailed("could not be tested: your ResidualBlock itself fails on this input (see the "
                                  f"ResidualBlock checks): {forward['blocks_error']['summary']}", label)
            if "output_error" in forward:
                error = forward["output_error"]
                raise CheckFailed(f"forward raised {error['summary']}, although its blocks run fine one after the "
                                  "other", error.get("traceback") or label)
            require_tensor(forward["output"], label)
            require_tensor(forward["blocks_in_sequence"], f"its blocks applied one after the other ({label})")
            got, chained = forward["output"], forward["blocks_in_sequence"]
            order = forward["blocks_called"]
            same = (got["shape"] == chained["shape"]
                    and np.allclose(got["data"], chained["data"], rtol=1e-5, atol=1e-5))
            if same:
                continue
            expected_order = list(range(len(report["blocks"])))
            if order != expected_order:
                detail = f"blocks called in the order {order}; expected {expected_order}"
            else:
                detail = (f"the output (shape {shape_str(got['shape'])}) differs from the blocks' output "
                          f"(shape {shape_str(chained['shape'])})")
            raise CheckFailed("forward must pass the input through every block, in order, each block's output "
                              "feeding the next, and return the last block's output", f"{label}: {detail}")


def parameter_count(ctx: ItemContext) -> None:
    for config in CONFIGS:
        report = blocks_of(ctx, config)
        blocks = sum(b["trainable"] for b in report["blocks"])
        if report["trainable"] == blocks:
            continue
        if report["trainable"] < blocks:
            cause = "parameters of its blocks are missing (blocks not registered)"
        else:
            cause = "the stack has parameters of its own besides its blocks'"
        raise CheckFailed(f"the stack's trainable parameters must be exactly those of its blocks: {cause}",
                          f"{what(config)} has {report['trainable']:,}; its blocks have {blocks:,}")


CHECKS = (
    Check("blocks_registered", "the blocks are registered submodules (nn.ModuleList), visible to the optimizer", 3,
          blocks_registered),
    Check("block_configuration", "exactly num_blocks blocks; only the first changes channels and strides", 4,
          block_configuration),
    Check("applies_blocks_in_order", "forward applies the blocks one after the other", 3, applies_blocks_in_order),
    Check("parameter_count", "the stack's parameters are exactly its blocks'", 2, parameter_count),
)
