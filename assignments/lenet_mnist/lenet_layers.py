"""LeNet's layers: the text's sizes, the student's layers as found, and what is wrong with them in words.

Shared by the checks of ``lenet_structure`` (parameter_count, layer_shapes) and ``lenet_forward``
(output_shape, matches_reference).  The student's layers are found whatever their names (attributes,
``nn.Sequential``, ``nn.ModuleDict``): from a traced forward pass when it runs, else from the registered
parameters.  What the worker reports is memoised in ``ctx.memo``: every check of the item shares one answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.checks.core import CheckFailed, ItemContext

EXPECTED_PARAMETERS = 44_426
LENET5_PARAMETERS = 61_706  #: the same layers with fc1 400 → 120: LeNet-5 for 32×32 images
IMAGE = (1, 28, 28)
LENET5_IMAGE = (1, 32, 32)  #: traced when a 28×28 image fails, to still see the layers of a 32×32 network
ATOL = RTOL = 1e-4  #: float32, the same operations in a possibly different order

WHY_256 = ("on 28×28 inputs without padding the feature maps are 24→12→8→4 (a 5×5 convolution takes off 4 pixels, "
           "a 2×2 max-pool halves), so fc1 has 16·4·4 = 256 inputs; 16·5·5 = 400 is the figure for 32×32 inputs "
           "(or padding=2 on 28×28). Use nn.Linear(16 * 4 * 4, 120) and convolutions without padding")


# -- the layers ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Layer:
    """One convolution or linear layer, as the text names it or as found in the student's network."""

    kind: str  #: "conv" or "linear"
    name: str  #: the text's name (conv1, …) or the student's attribute path
    inputs: int
    outputs: int
    kernel: tuple[int, ...] | None = None
    stride: tuple[int, ...] | None = None  #: None: not known (the forward pass could not be traced)
    padding: tuple[int, ...] | str | None = None
    bias: bool = True

    def size(self) -> tuple[Any, ...]:
        """What layer_shapes compares; an unknown stride or padding is given the benefit of the doubt."""
        stride = (1, 1) if self.stride is None else self.stride
        padding = (0, 0) if self.padding is None else self.padding
        return self.kind, self.inputs, self.outputs, self.kernel, stride, padding

    def describe(self) -> str:
        if self.kind == "linear":
            return f"Linear({self.inputs}, {self.outputs})"
        text = f"Conv2d({self.inputs}, {self.outputs}, kernel_size={_pair(self.kernel)}"
        if self.stride not in (None, (1, 1)):
            text += f", stride={_pair(self.stride)}"
        if self.padding not in (None, (0, 0)):
            text += f", padding={_pair(self.padding)}"
        return text + ")"


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:]


def _pair(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    return str(value[0]) if len(set(value)) == 1 else str(tuple(value))


TEXT_LAYERS = (
    Layer("conv", "conv1", 1, 6, (5, 5), (1, 1), (0, 0)),
    Layer("conv", "conv2", 6, 16, (5, 5), (1, 1), (0, 0)),
    Layer("linear", "fc1", 256, 120),
    Layer("linear", "fc2", 120, 84),
    Layer("linear", "fc3", 84, 10),
)


def _layer_from_trace(call: dict[str, Any]) -> Layer:
    if call["layer"] == "linear":
        return Layer("linear", call["name"], call["in_features"], call["out_features"], bias=call["bias"])
    padding = call["padding"] if isinstance(call["padding"], str) else tuple(call["padding"])
    return Layer("conv", call["name"], call["in_channels"], call["out_channels"], tuple(call["kernel_size"]),
                 tuple(call["stride"]), padding, call["bias"])


def _layer_from_unit(unit: dict[str, Any]) -> Layer | None:
    """A convolution (4-D weight) or linear layer (2-D weight) from its registered parameters."""
    weights = [p for p in unit["parameters"] if len(p["shape"]) in (2, 4)]
    if len(weights) != 1:
        return None
    shape = weights[0]["shape"]
    bias = any(p["shape"] == [shape[0]] for p in unit["parameters"])
    if len(shape) == 2:
        return Layer("linear", unit["prefix"], shape[1], shape[0], bias=bias)
    return Layer("conv", unit["prefix"], shape[1], shape[0], tuple(shape[2:]), bias=bias)


# -- what the worker tells us (memoised: every check of the item shares one answer) ------------------

def images(ctx: ItemContext, n: int, *key: Any, image: tuple[int, ...] = IMAGE) -> np.ndarray:
    return ctx.rng("images", n, image, *key).standard_normal((n,) + image).astype(np.float32)


def layout(ctx: ItemContext) -> dict[str, Any]:
    """The registered parameters of ``LeNet()``, grouped by the submodule that owns them."""
    if "layout" not in ctx.memo:
        ctx.memo["layout"] = ctx.request("module_layout", {"target": ctx.target()})
    return ctx.memo["layout"]


@dataclass(frozen=True)
class Traced:
    """One eval-mode forward pass of ``LeNet()``: on 28×28 images, else on 32×32 ones, else none."""

    image: tuple[int, ...] | None  #: the image size that ran
    report: dict[str, Any] | None  #: trace_forward's answer
    error: CheckFailed | None  #: why a batch of 28×28 images failed


def traced(ctx: ItemContext) -> Traced:
    if "trace" not in ctx.memo:
        error = None
        ctx.memo["trace"] = Traced(None, None, None)
        for image in (IMAGE, LENET5_IMAGE):
            try:
                report = ctx.request("trace_forward", {"target": ctx.target(), "mode": "eval",
                                                       "input": images(ctx, 2, "trace", image=image)})
            except CheckFailed as exc:
                error = error or exc
                ctx.memo["trace"] = Traced(None, None, error)
                continue
            ctx.memo["trace"] = Traced(image, report, error)
            break
    return ctx.memo["trace"]


def student_layers(ctx: ItemContext) -> list[Layer]:
    """The student's convolutions, then linear layers, in the order forward uses them (or registers them)."""
    trace = traced(ctx)
    if trace.report is not None:
        found: dict[str, Layer] = {}
        for call in trace.report["calls"]:
            if call["layer"] in ("conv2d", "linear") and call["name"] not in found:
                found[call["name"]] = _layer_from_trace(call)
        layers = list(found.values())
    else:
        layers = [layer for unit in layout(ctx)["units"] if (layer := _layer_from_unit(unit)) is not None]
    return [layer for layer in layers if layer.kind == "conv"] + [layer for layer in layers if layer.kind == "linear"]


def layers_listing(layers: list[Layer]) -> str:
    got = ", ".join(f"{layer.describe()} [{layer.name}]" for layer in layers) or "none"
    want = ", ".join(f"{layer.name} = {layer.describe()}" for layer in TEXT_LAYERS)
    return f"your layers: {got}; expected: {want}"


# -- what is wrong with the layers, in words ------------------------------------------------------------

def _fc1_inputs_explanation(inputs: int) -> str:
    """Why fc1 must have 256 inputs, naming what the student's figure corresponds to."""
    if inputs == 16 * 5 * 5:
        return WHY_256
    known = {16 * 8 * 8: "16·8·8, the maps without the second max-pool",
             16 * 10 * 10: "16·10·10, the maps without the first max-pool",
             16 * 20 * 20: "16·20·20, the maps without any max-pool"}
    what = f"{inputs} = {known[inputs]}; " if inputs in known else ""
    return (f"{what}fc1's inputs are the 16 feature maps of 4×4 left after the second max-pool "
            "(28 → 24 → 12 → 8 → 4), so 16·4·4 = 256")


def layer_problem(got: Layer, want: Layer) -> str:
    """What is wrong with one of the student's layers, or '' when it has the text's size."""
    if got.size() == want.size():
        return ""
    role = want.name if got.name == want.name else f"{want.name} (your `{got.name}`)"
    said = f"{role} is {got.describe()}; expected {want.describe()}: "
    if want.kind == "conv":
        if got.padding not in (None, (0, 0)):
            lenet5 = "; padding=2 with fc1 = Linear(400, 120) is LeNet-5 for 32×32 images" \
                if got.padding == (2, 2) else ""
            return said + f"the text's convolutions have no padding{lenet5}. " + _sentence(WHY_256)
        if got.kernel != want.kernel:
            return said + "both convolutions have 5×5 kernels (K = 5), which take 28×28 to 24×24 and 12×12 to 8×8"
        if got.stride not in (None, (1, 1)):
            return said + "the convolutions have stride 1; the 2×2 max-pools do the downsampling"
        return said + "conv1 connects the 1 input channel to 6 feature maps, conv2 those 6 to 16"
    if want.name == "fc1" and got.inputs != want.inputs:
        return said + _fc1_inputs_explanation(got.inputs)
    return said + "fc1 has 120 outputs, fc2 connects 120 → 84 and fc3 84 → 10 (one score per digit)"


def layers_problem(layers: list[Layer], hidden: list[dict[str, Any]]) -> str:
    """The first thing wrong with the student's layers ('' when they are the text's)."""
    convs = [layer for layer in layers if layer.kind == "conv"]
    linears = [layer for layer in layers if layer.kind == "linear"]
    if len(convs) != 2 or len(linears) != 3:
        where = ""
        if hidden:
            where = (" Some layers are kept in a plain Python list or dict, where PyTorch does not register them: "
                     "use nn.ModuleList / nn.ModuleDict, or assign each layer to an attribute.")
        return (f"LeNet has 2 convolutions (conv1, conv2) and 3 linear layers (fc1, fc2, fc3); yours has "
                f"{len(convs)} convolution{'s' * (len(convs) != 1)} and {len(linears)} linear "
                f"layer{'s' * (len(linears) != 1)}.{where}")
    for got, want in zip(convs + linears, TEXT_LAYERS):
        problem = layer_problem(got, want)
        if problem:
            return problem
    return ""
