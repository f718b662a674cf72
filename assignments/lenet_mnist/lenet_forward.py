"""LeNet's forward-pass checks: ``output_shape`` and ``matches_reference``.

``matches_reference`` judges the forward pass only: it runs the reference's forward with the student's
own layer sizes (the reference's weights wherever the sizes agree), so a wrong layer size is charged by
``parameter_count`` and ``layer_shapes`` alone.  A known forward error (above all fc1 built for 400
inputs) is explained by ``explain_forward_error``.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from grader.checks import weight_copy
from grader.checks.core import CheckFailed, ItemContext, StudentCodeFailed
from grader.checks.tensors import require_tensor, shape_str
from reference.lenet_mnist import LeNet as ReferenceLeNet

from .lenet_layers import (ATOL, IMAGE, RTOL, TEXT_LAYERS, WHY_256, Layer, images, layers_listing, layout,
                           student_layers, traced)

# -- checks: the forward pass ------------------------------------------------------------------------------

_FOUR_HUNDRED = re.compile(r"(?<!\d)400(?!\d)")  #: fc1 built for LeNet-5's 16·5·5 inputs
_MATMUL = re.compile(r"mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x(\d+)\)")


def explain_forward_error(exc: CheckFailed, what: str) -> CheckFailed:
    """The student's error, with what it means when it is a known one (a 400-input fc1 above all)."""
    message = exc.message
    matmul = _MATMUL.search(message)
    if _FOUR_HUNDRED.search(message):
        message += ". 256 vs 400 is the usual LeNet mix-up: " + WHY_256
    elif matmul and matmul.group(1) == "1" and int(matmul.group(2)) % int(matmul.group(3)) == 0:
        message += (". The whole batch was flattened into one row: keep the batch dimension with "
                    "x.view(-1, self.num_flat_features(x)), x.view(x.size(0), -1) or torch.flatten(x, 1)")
    elif matmul:
        message += (f". A linear layer built for {matmul.group(3)} inputs received {matmul.group(2)} features per "
                    "image: check the in_features of your linear layers against the flattened feature maps")
    counterexample = f"{what}\n{exc.counterexample}" if exc.counterexample else what
    return StudentCodeFailed(message, counterexample, getattr(exc, "kind", "exception"))


def _forward(ctx: ItemContext, calls: list[dict[str, Any]], set_params: dict[str, np.ndarray] | None = None,
             what: str = "") -> list[dict[str, Any]]:
    try:
        return ctx.exercise((), calls, set_params)
    except StudentCodeFailed as exc:
        raise explain_forward_error(exc, what) from None


def _outputs(ctx: ItemContext, sizes: tuple[int, ...], mode: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(N, what LeNet() returned on N images) for each size, one request; batch by batch when one fails,
    so that the smallest failing batch is the one reported."""
    calls = [{"input": images(ctx, n, "shape", mode), "mode": mode, "seed": 0} for n in sizes]
    try:
        results = ctx.exercise((), calls)
    except StudentCodeFailed as exc:
        if len(sizes) > 1 and exc.kind == "exception":
            for n in sizes:
                yield from _outputs(ctx, (n,), mode)
            return
        batches = " and ".join(shape_str((n,) + IMAGE) for n in sizes)
        raise explain_forward_error(exc, f"LeNet() in {mode} mode on input of shape {batches}") from None
    yield from zip(sizes, [result["output"] for result in results])


def output_shape(ctx: ItemContext) -> None:
    rng = ctx.rng("batch-sizes")
    sizes = (1,) + tuple(sorted(int(n) for n in rng.choice(np.arange(2, 17), size=3, replace=False)))
    for mode, batch in (("eval", sizes), ("train", sizes[:2])):
        for n, output in _outputs(ctx, batch, mode):
            what = f"LeNet() in {mode} mode on input of shape {shape_str((n,) + IMAGE)}"
            require_tensor(output, what)
            if tuple(output["shape"]) != (n, 10):
                hint = (" With one image the batch dimension disappeared: flatten with x.view(-1, "
                        "self.num_flat_features(x)), x.view(x.size(0), -1) or torch.flatten(x, 1)"
                        if n == 1 else "")
                raise CheckFailed(f"the output must have shape (N, 10), one row of 10 scores per image.{hint}",
                                  f"{what} returned shape {shape_str(output['shape'])}")


# -- the forward pass compared with the reference's -------------------------------------------------

def lenet_forward(net: nn.Module, x: torch.Tensor, mistake: str = "") -> torch.Tensor:
    """The text's forward pass with ``net``'s layers, or one of the MISTAKES made in it."""
    act: Callable[[torch.Tensor], torch.Tensor] = {"sigmoid": torch.sigmoid, "tanh": torch.tanh}.get(mistake, F.relu)
    pool = F.avg_pool2d if mistake == "average_pooling" else F.max_pool2d
    conv_act = (lambda h: h) if mistake == "no_relu_after_convs" else act
    x = conv_act(net.conv1(x))
    x = x if mistake == "no_first_pool" else pool(x, 2)
    x = conv_act(net.conv2(x))
    x = x if mistake == "no_second_pool" else pool(x, 2)
    x = torch.flatten(x, 1)
    x = net.fc1(x)
    x = x if mistake in ("no_relu_after_fc1", "no_relu_after_fc1_fc2") else act(x)
    x = net.fc2(x)
    x = x if mistake in ("no_relu_after_fc2", "no_relu_after_fc1_fc2") else act(x)
    x = net.fc3(x)
    if mistake == "relu_on_output":
        x = F.relu(x)
    if mistake == "softmax_output":
        x = F.softmax(x, dim=1)
    if mistake == "log_softmax_output":
        x = F.log_softmax(x, dim=1)
    return x


_LOGITS = "the output must be fc3's raw scores (logits): nn.CrossEntropyLoss applies the softmax itself"
MISTAKES: dict[str, str] = {
    "relu_on_output": "a ReLU is applied to fc3's output, so no score can be negative; " + _LOGITS,
    "softmax_output": "the network ends with a softmax; " + _LOGITS,
    "log_softmax_output": "the network ends with a log-softmax; " + _LOGITS,
    "no_relu_after_fc1": "there is no ReLU after fc1 (text, 25(c): fc1 is followed by ReLU)",
    "no_relu_after_fc2": "there is no ReLU after fc2 (text, 25(d): fc2 is followed by ReLU)",
    "no_relu_after_fc1_fc2": "there is no ReLU after fc1 and fc2 (text, 25(c) and (d))",
    "no_relu_after_convs": "there is no ReLU after the convolutions (text, 25(a) and (b): each is followed by ReLU "
                           "and max-pooling)",
    "average_pooling": "the pooling averages; the text asks for max-pooling (F.max_pool2d or nn.MaxPool2d, L = 2)",
    "no_first_pool": "there is no max-pooling after conv1 (text, 25(a))",
    "no_second_pool": "there is no max-pooling after conv2 (text, 25(b))",
    "sigmoid": "the activations are sigmoids; the text uses ReLU (F.relu)",
    "tanh": "the activations are tanh; the text uses ReLU (F.relu)",
}


def _build_layer(layer: Layer) -> nn.Module:
    if layer.kind == "linear":
        return nn.Linear(layer.inputs, layer.outputs, bias=layer.bias)
    padding = layer.padding if isinstance(layer.padding, str) else tuple(layer.padding or (0, 0))
    return nn.Conv2d(layer.inputs, layer.outputs, tuple(layer.kernel or (5, 5)), stride=tuple(layer.stride or (1, 1)),
                     padding=padding, bias=layer.bias)


def reference_network(ctx: ItemContext, layers: list[Layer]) -> ReferenceLeNet:
    """The reference LeNet (seeded weights), each layer whose size or bias differs from the student's rebuilt
    to the student's, so that the comparison judges the forward pass alone."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(ctx.derive_seed("reference-weights"))
        net = ReferenceLeNet()
        for got, want in zip(layers, TEXT_LAYERS):
            if got.size() != want.size() or not got.bias:
                setattr(net, want.name, _build_layer(got))
    return net.eval()


def _run(net: nn.Module, x: np.ndarray, mistake: str = "") -> np.ndarray | None:
    """The reference's output on ``x``, or a mistake's; None when the student's layer sizes do not fit it."""
    with torch.no_grad():
        try:
            if not mistake:
                return net(torch.from_numpy(x)).numpy().astype(np.float64)
            return lenet_forward(net, torch.from_numpy(x), mistake).numpy().astype(np.float64)
        except RuntimeError:
            return None


def _close(got: np.ndarray, expected: np.ndarray | None) -> bool:
    return expected is not None and got.shape == expected.shape and \
        bool(np.allclose(got, expected, rtol=RTOL, atol=ATOL))


def _state(net: nn.Module) -> dict[str, np.ndarray]:
    return {name: value.detach().numpy().copy() for name, value in net.state_dict().items()}


def comparison_inputs(ctx: ItemContext) -> list[np.ndarray]:
    """A batch of standard normal images and one of MNIST-like [0, 1) intensities."""
    uniform = ctx.rng("images", "uniform").random((2,) + IMAGE).astype(np.float32)
    return [images(ctx, 3, "compare"), uniform]


def _compare(ctx: ItemContext, layers: list[Layer]) -> dict[str, Any]:
    """The student's outputs with the reference's weights copied in, under the best mapping."""
    net = reference_network(ctx, layers)
    inputs = comparison_inputs(ctx)
    expected = [_run(net, x) for x in inputs]
    units = layout(ctx)["units"]
    shapes = {p["name"]: p["shape"] for unit in units for p in unit["parameters"] + unit["buffers"]}
    mappings = weight_copy.candidate_mappings(units, weight_copy.reference_units(net))
    if not mappings:
        raise CheckFailed("your network's parameters cannot be matched to the reference's layers (conv1, conv2, "
                          "fc1, fc2, fc3) by shape, so its forward pass cannot be compared; see layer_shapes",
                          layers_listing(layers))
    best: dict[str, Any] = {}
    for mapping in mappings:
        state = weight_copy.student_state(mapping, _state(net), shapes)
        calls = [{"input": x, "mode": "eval", "seed": 0} for x in inputs]
        results = _forward(ctx, calls, state, what="LeNet() in eval mode, with the reference's weights copied in")
        got = []
        for x, result in zip(inputs, results):
            require_tensor(result["output"], f"LeNet() on input of shape {shape_str(x.shape)}")
            got.append(np.asarray(result["output"]["data"], dtype=np.float64).reshape(result["output"]["shape"]))
        matches = all(_close(g, e) for g, e in zip(got, expected))
        if not best or matches:
            best = {"mapping": mapping, "got": got, "matches": matches}
        if matches:
            break
    return {**best, "net": net, "inputs": inputs, "expected": expected}


def _mapping_text(mapping: weight_copy.Mapping) -> str:
    """How the weights were copied, leaving out the parameters that kept their name."""
    renamed = {student: reference for student, reference in mapping.items() if student != reference}
    return weight_copy.describe(renamed) if renamed else "matched by layer name"


def _difference(x: np.ndarray, got: np.ndarray, expected: np.ndarray, mapping: str) -> str:
    """Where the student's output is furthest from ``expected``, for the counterexample."""
    what = f"LeNet() in eval mode on input of shape {shape_str(x.shape)}, with the reference's weights ({mapping})"
    index = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(got - expected)), got.shape))
    return (f"{what}: at index {index} expected {expected[index]:.6g}, got {got[index]:.6g} (largest difference "
            f"{np.abs(got - expected).max():.3g})")


def _explain_mismatch(result: dict[str, Any]) -> CheckFailed:
    mapping = _mapping_text(result["mapping"])
    pairs = list(zip(result["inputs"], result["got"], result["expected"]))
    x, got, expected = next((x, g, e) for x, g, e in pairs if not _close(g, e))
    for mistake, explanation in MISTAKES.items():
        if all(_close(g, _run(result["net"], xi, mistake)) for xi, g, _ in pairs):
            example = _difference(x, got, expected, mapping) if _same_shape(got, expected) else \
                f"LeNet() in eval mode, with the reference's weights ({mapping})"
            return CheckFailed(explanation, example)
    if expected is None:
        return CheckFailed("your layers do not fit the text's forward pass (conv1, ReLU, max-pool, conv2, ReLU, "
                           "max-pool, flatten, fc1, ReLU, fc2, ReLU, fc3); see layer_shapes",
                           f"LeNet() in eval mode, with the reference's weights ({mapping})")
    if not _same_shape(got, expected):
        return CheckFailed(f"the output has shape {shape_str(got.shape)}; expected {shape_str(expected.shape)}",
                           f"LeNet() in eval mode on input of shape {shape_str(x.shape)}")
    return CheckFailed(
        "with the reference's weights copied into your network, its output differs from the text's forward pass: "
        "conv1 → ReLU → 2×2 max-pool → conv2 → ReLU → 2×2 max-pool → flatten → fc1 → ReLU → fc2 → ReLU → fc3",
        _difference(x, got, expected, mapping))


def _same_shape(got: np.ndarray, expected: np.ndarray | None) -> bool:
    return expected is not None and got.shape == expected.shape


def matches_reference(ctx: ItemContext) -> None:
    trace = traced(ctx)
    if trace.image != IMAGE:
        assert trace.error is not None
        raise explain_forward_error(trace.error, f"LeNet() on input of shape {shape_str((2,) + IMAGE)}")
    layers = student_layers(ctx)
    if len(layers) != len(TEXT_LAYERS) or [layer.kind for layer in layers] != [layer.kind for layer in TEXT_LAYERS]:
        raise CheckFailed("your network's forward pass does not use 2 convolutions then 3 linear layers, so it "
                          "cannot be compared with the reference's; see layer_shapes", layers_listing(layers))
    result = _compare(ctx, layers)
    if not result["matches"]:
        raise _explain_mismatch(result)
