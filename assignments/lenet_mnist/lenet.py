"""Checks of ``LeNet()``, the network of questions 25–26 for 28×28 MNIST digits.

The text: conv1 1→6 with 5×5 kernels, ReLU, 2×2 max-pool; conv2 6→16 with 5×5 kernels,
ReLU, 2×2 max-pool; fc1 (16·4·4 = 256 inputs) → 120 with ReLU; fc2 120 → 84 with ReLU;
fc3 84 → 10 raw scores.  On 28×28 inputs without padding the feature maps are
28 → 24 → 12 → 8 → 4, so the network has 44,426 parameters.  The usual confusion is
LeNet-5's 16·5·5 = 400, the figure for 32×32 images (GRADING-DECISIONS.md): every check
that can meet it explains 256 vs 400.

The student's layers are found whatever their names (attributes, ``nn.Sequential``,
``nn.ModuleDict``): from a traced forward pass when it runs, else from the registered
parameters.  ``matches_reference`` judges the forward pass only: it runs the reference's
forward with the student's own layer sizes (the reference's weights wherever the sizes
agree), so a wrong layer size is charged by ``parameter_count`` and ``layer_shapes``
alone.  ``num_flat_features`` is given code and not graded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from grader.checks import weight_copy
from grader.checks.core import Check, CheckFailed, ItemContext, StudentCodeFailed
from grader.checks.tensors import require_tensor, shape_str
from reference.lenet_mnist import LeNet as ReferenceLeNet

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


def _listing(layers: list[Layer]) -> str:
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
        listing = _listing(student_layers(ctx))
    except CheckFailed:
        listing = None
    raise CheckFailed(f"LeNet() has {total:,} trainable parameters; the text's LeNet for 28×28 MNIST images has "
                      f"{EXPECTED_PARAMETERS:,}.{likely}", listing)


def layer_shapes(ctx: ItemContext) -> None:
    layers = student_layers(ctx)
    problem = layers_problem(layers, layout(ctx)["hidden_modules"])
    if problem:
        raise CheckFailed(problem, _listing(layers))


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
                          _listing(layers))
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
                          "cannot be compared with the reference's; see layer_shapes", _listing(layers))
    result = _compare(ctx, layers)
    if not result["matches"]:
        raise _explain_mismatch(result)


CHECKS = (
    Check("parameter_count", f"exactly {EXPECTED_PARAMETERS:,} trainable parameters (28×28 inputs: fc1 has "
          "16·4·4 = 256 inputs)", 2, parameter_count),
    Check("layer_shapes", "conv1 1→6 5×5, conv2 6→16 5×5 (no padding), fc1 256→120, fc2 120→84, fc3 84→10", 3,
          layer_shapes),
    Check("output_shape", "output (N, 10) for a batch of N 28×28 images, N = 1 included", 2, output_shape),
    Check("matches_reference", "with the reference's weights, the output is the reference's: ReLU and 2×2 max-pool "
          "after each convolution, ReLU after fc1 and fc2, raw scores from fc3", 4, matches_reference),
)
