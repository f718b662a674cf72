"""ConvNet2's structure checks: ``output_shape``, ``parameter_count`` and ``architecture``.

``architecture`` judges the eval-mode ``layer_io`` run (where nn.Dropout is the identity): the one
convolution, the two linear layers, and the ReLU / max-pool / ReLU between them recomputed from the
captured values; a dropout still active there is left to the dropout checks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from grader.checks.core import CheckFailed, ItemContext
from grader.checks.tensors import require_tensor, shape_str

from .convnet2_common import (CLASSES, CONV, EXPECTED_PARAMETERS, FEATURES, HIDDEN, IMAGE, LAYER_BATCH, ATOL, RTOL,
                              Run, close, images, layer_runs, pooled, same_up_to_dropout)


# -- output_shape, parameter_count ------------------------------------------------------------

def output_shape(ctx: ItemContext) -> None:
    sizes = (1, 2, 5)
    calls = [{"input": images(ctx, n, "shape"), "mode": "eval", "seed": 0} for n in sizes]
    for n, call in zip(sizes, ctx.exercise((), calls)):
        require_tensor(call["output"], f"ConvNet2 in eval mode on a batch of shape {shape_str((n,) + IMAGE)}")
        shape = tuple(call["output"]["shape"])
        if shape != (n, CLASSES):
            hint = " (a bare squeeze() also removes the batch dimension of a batch of one)" if n == 1 else ""
            raise CheckFailed(f"the output must have shape (N, 10), one row of class scores per image{hint}",
                              f"ConvNet2 in eval mode on input {shape_str((n,) + IMAGE)} returned {shape_str(shape)}")


def _parameter_causes(layout: dict[str, Any]) -> list[str]:
    """What in the registered parameters explains a count other than 789,718."""
    params = [p for unit in layout["units"] for p in unit["parameters"]]
    shapes = [tuple(p["shape"]) for p in params]
    causes = []
    frozen = sum(int(np.prod(p["shape"])) for p in params if not p["requires_grad"])
    if frozen:
        causes.append(f"{frozen:,} parameters have requires_grad=False, so no optimizer trains them")
    if layout["hidden_modules"]:
        causes.append("layers kept in a plain Python list or dict are not registered: use nn.Sequential or "
                      "nn.ModuleList")
    convs, matrices = [s for s in shapes if len(s) == 4], [s for s in shapes if len(s) == 2]
    if len(convs) != 1:
        causes.append(f"there are {len(convs)} convolutions; ConvNet2 has one, {CONV}")
    elif convs[0][2:] != (5, 5):
        causes.append(f"the convolution's kernel is {convs[0][2]}×{convs[0][3]}; the course's ConvNet uses 5×5")
    elif convs[0][:2] != (8, 1):
        causes.append(f"the convolution maps {convs[0][1]} channel(s) to {convs[0][0]}; expected 1 → 8")
    if len(matrices) != 2:
        causes.append(f"there are {len(matrices)} linear layers; ConvNet2 has two, Linear(1568, 500) and "
                      "Linear(500, 10)")
    else:
        (hidden, inputs), (classes, last_in) = matrices
        if inputs != FEATURES:
            no_padding = " (12·12·8: a 5×5 convolution without padding=2 shrinks 28×28 to 24×24)"
            why = no_padding if inputs == 1152 else ""
            causes.append(f"the first linear layer takes {inputs} inputs{why}; the pooled maps have "
                          f"8·14·14 = {FEATURES}")
        if hidden != HIDDEN:
            causes.append(f"the hidden layer has {hidden} units; the course's ConvNet has {HIDDEN}")
        if classes != CLASSES or last_in != hidden:
            causes.append(f"the last linear layer is {last_in} → {classes}; expected {HIDDEN} → {CLASSES}")
    biases = [s for s in shapes if len(s) == 1]
    if len(biases) < 3:
        causes.append("a layer has no bias (bias=False); the course's layers all have one")
    return causes


def parameter_count(ctx: ItemContext) -> None:
    layout = ctx.request("module_layout", {"target": ctx.target()})
    total = layout["trainable"]
    if total == EXPECTED_PARAMETERS:
        return
    causes = _parameter_causes(layout)
    likely = (" Likely cause: " + "; ".join(causes) + ".") if causes else ""
    listing = ", ".join(f"{p['name']} {shape_str(p['shape'])}" for u in layout["units"] for p in u["parameters"])
    raise CheckFailed(f"ConvNet2 has {total:,} trainable parameters; the course's ConvNet with dropout has "
                      f"{EXPECTED_PARAMETERS:,} (dropout adds none).{likely}", f"your parameters: {listing or 'none'}")


# -- architecture ---------------------------------------------------------------------------

def _conv_problem(run: Run) -> str:
    if not run.convs:
        return f"no nn.Conv2d runs in forward; ConvNet2 starts with {CONV}"
    if len(run.convs) > 1:
        return f"forward runs {len(run.convs)} convolutions; ConvNet2 has one, {CONV}"
    conv = run.convs[0]
    if (conv["in_channels"], conv["out_channels"]) != (1, 8):
        return f"the convolution maps {conv['in_channels']} → {conv['out_channels']} channels; expected {CONV}"
    if conv["kernel_size"] != [5, 5]:
        return f"the convolution has a {conv['kernel_size'][0]}×{conv['kernel_size'][1]} kernel; expected {CONV}"
    if conv["padding"] not in ([2, 2], "same") or conv["stride"] != [1, 1]:
        return (f"the convolution has padding {conv['padding']} and stride {conv['stride']}; expected {CONV} "
                "(stride 1), which keeps the images 28×28")
    return ""


def _linear_problem(run: Run) -> str:
    if len(run.linears) != 2:
        sizes = ", ".join(f"{c['in_features']} → {c['out_features']}" for c in run.linears) or "none"
        return (f"forward runs {len(run.linears)} linear layers ({sizes}); ConvNet2 has two, "
                f"Linear({FEATURES}, {HIDDEN}) then Linear({HIDDEN}, {CLASSES})")
    fc1, fc2 = run.linears
    if fc1["in_features"] != FEATURES:
        return (f"the first linear layer takes {fc1['in_features']} inputs; after the 2×2 max-pool the 8 feature "
                f"maps are 14×14, so it must take 8·14·14 = {FEATURES}")
    if fc1["out_features"] != HIDDEN:
        return f"the first linear layer has {fc1['out_features']} units; expected Linear({FEATURES}, {HIDDEN})"
    if (fc2["in_features"], fc2["out_features"]) != (HIDDEN, CLASSES):
        return (f"the last linear layer is {fc2['in_features']} → {fc2['out_features']}; expected "
                f"Linear({HIDDEN}, {CLASSES})")
    return ""


def _row_multisets_equal(got: np.ndarray, expected: np.ndarray) -> bool:
    """The same values in each row in another order: a different (but consistent) flattening."""
    return got.shape == expected.shape and bool(np.allclose(np.sort(got, axis=1), np.sort(expected, axis=1),
                                                            rtol=RTOL, atol=ATOL))


def _features_problem(run: Run) -> str:
    conv, fc1 = run.convs[0], run.linears[0]
    got, conv_out = fc1.get("input"), conv.get("output")
    if got is None or conv_out is None or conv_out.ndim != 4:
        return "the convolution's output or the first linear layer's input could not be captured"
    got = got.reshape(len(got), -1)
    expected = pooled(conv_out)
    if same_up_to_dropout(got, expected) or _row_multisets_equal(got, expected):
        return ""
    without_relu = F.max_pool2d(torch.from_numpy(conv_out.astype(np.float32)), 2).reshape(len(got), -1).numpy()
    if close(got, without_relu):
        return "there is no ReLU after the convolution: ConvNet applies ReLU before the max-pool"
    average = F.avg_pool2d(torch.relu(torch.from_numpy(conv_out.astype(np.float32))), 2).reshape(len(got), -1)
    if close(got, average.numpy()):
        return "the pooling is an average; ConvNet uses a 2×2 max-pool, nn.MaxPool2d(kernel_size=2, stride=2)"
    return ("the first linear layer's input is not the flattened 2×2 max-pool of ReLU(convolution output): "
            "conv → ReLU → MaxPool2d(2) → flatten → Linear")


def _hidden_problem(run: Run) -> str:
    fc1, fc2 = run.linears
    hidden, got = fc1.get("output"), fc2.get("input")
    if hidden is None or got is None:
        return "the linear layers' values could not be captured"
    if same_up_to_dropout(got, np.maximum(hidden, 0)):
        return ""
    if close(got, hidden):
        return "there is no ReLU between the two linear layers: Linear(1568, 500) → ReLU → Linear(500, 10)"
    return "the second linear layer's input is not ReLU of the first linear layer's output"


def _head_problem(run: Run) -> str:
    logits, got = run.linears[1].get("output"), run.output
    if logits is None or got is None:
        return "the network's output could not be compared with the last linear layer's"
    log_probabilities = torch.log_softmax(torch.from_numpy(logits.astype(np.float32)), dim=1).numpy()
    if same_up_to_dropout(got, logits) or close(got, log_probabilities):
        return ""
    if close(got, torch.softmax(torch.from_numpy(logits.astype(np.float32)), dim=1).numpy()):
        return ("the network ends with a softmax: return the last linear layer's output (the logits); "
                "nn.CrossEntropyLoss applies the softmax itself, so a softmax in forward is applied twice")
    return "the network's output must be the last linear layer's output (the logits), with nothing after it"


def architecture(ctx: ItemContext) -> None:
    _, run, _ = layer_runs(ctx)  # eval mode: nn.Dropout is the identity
    for problem in (_conv_problem, _linear_problem, _features_problem, _hidden_problem, _head_problem):
        message = problem(run)
        if message:
            raise CheckFailed(message, f"ConvNet2 in eval mode on a batch of shape "
                                       f"{shape_str((LAYER_BATCH,) + IMAGE)}; layers called: {run.layers_text()}")
