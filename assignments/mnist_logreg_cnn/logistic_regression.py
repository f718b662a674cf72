"""Checks of ``MultinomialLogisticRegression(input_size, output_size)``.

The text: one affine map Z = XW + b from ``input_size`` features to ``output_size`` logits, trained
with ``nn.CrossEntropyLoss`` (which applies the softmax itself).  GRADING-DECISIONS.md: forward must
use the constructor's sizes (a forward reshaping with the notebook's global ``input_size = 784``
breaks at any other size), and a log-softmax output is accepted with a warning.

Values are judged by copying the reference's weight and bias into the student's own parameters
(transposed for the text's (input_size, output_size) layout) and recognising what the output is:
the logits, or log-softmax / softmax / sigmoid of them.  Each bug is charged once: a softmax or
sigmoid only by ``no_softmax``, a log-softmax only by the ``raw_logits`` warning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st

from grader.checks.core import Check, CheckFailed, ItemContext, StudentCodeFailed
from grader.checks.search import for_all
from grader.checks.tensors import require_tensor, shape_str, short
from reference.mnist_logreg_cnn import MultinomialLogisticRegression as ReferenceModel

MNIST_FEATURES = 784
ATOL = RTOL = 1e-4
FLATTEN_HINT = "x.reshape(len(x), -1)"

#: (input_size, output_size), never equal (so the weight's layout is unambiguous) and never 784.
sizes = st.tuples(st.integers(2, 40), st.integers(2, 12)).filter(lambda s: s[0] != s[1])
batch_sizes = st.integers(1, 5)


def features(ctx: ItemContext, n: int, input_size: int, *key: Any) -> np.ndarray:
    return ctx.rng("features", n, input_size, *key).standard_normal((n, input_size)).astype(np.float32)


def what(input_size: int, output_size: int) -> str:
    return f"MultinomialLogisticRegression({input_size}, {output_size})"


# -- the student's parameters ---------------------------------------------------------------

def parameters(ctx: ItemContext, input_size: int, output_size: int) -> dict[str, Any]:
    key = ("module_info", input_size, output_size)
    if key not in ctx.memo:
        ctx.memo[key] = ctx.module_info(input_size, output_size)
    return ctx.memo[key]


def unregistered_hint(info: dict[str, Any]) -> str:
    loose = [t["name"] for t in info["unregistered_tensors"]]
    if not loose:
        return ""
    return (f" The tensors {', '.join(loose)} are plain attributes, which model.parameters() does not "
            "return, so no optimizer would train them: wrap them in nn.Parameter(...).")


def affine_parameters(params: list[dict[str, Any]], input_size: int,
                      output_size: int) -> tuple[dict[str, Any] | None, dict[str, Any] | None, str]:
    """(weight, bias, problem): the one weight matrix and the one bias, or what is wrong with them."""
    layouts = ([output_size, input_size], [input_size, output_size])
    matrices = [p for p in params if len(p["shape"]) == 2 and p["shape"] in layouts]
    others = [p for p in params if p not in matrices]
    biases = [p for p in others if int(np.prod(p["shape"])) == output_size and len(p["shape"]) <= 2]
    listing = ", ".join(f"{p['name']} {shape_str(p['shape'])}" for p in params) or "none"
    if len(params) > 2 or len(matrices) > 1:
        return None, None, (f"the model has several weight tensors ({listing}): multinomial logistic regression "
                            "is a single affine map Z = XW + b, with no hidden layer")
    if not matrices:
        return None, None, (f"no parameter has the weight's shape: expected ({output_size}, {input_size}) as "
                            f"nn.Linear({input_size}, {output_size}) stores it, or ({input_size}, {output_size}) "
                            f"as W in Z = XW + b; your parameters: {listing}")
    if not biases:
        if others:
            return matrices[0], None, (f"the bias {others[0]['name']} has shape {shape_str(others[0]['shape'])}; "
                                       f"it needs one element per class (output_size = {output_size})")
        return matrices[0], None, ("there is no bias: the model is Z = XW + b, with one bias per class "
                                   "(nn.Linear has one unless bias=False)")
    return matrices[0], biases[0], ""


# -- values with the reference's parameters ------------------------------------------------

def reference_parameters(ctx: ItemContext, input_size: int, output_size: int) -> tuple[np.ndarray, np.ndarray]:
    """The reference's weight (output_size, input_size) and a bias large enough to matter."""
    torch.manual_seed(ctx.derive_seed("reference", input_size, output_size))
    model = ReferenceModel(input_size, output_size)
    with torch.no_grad():
        model.linear.bias.uniform_(-1.0, 1.0)
    return model.linear.weight.detach().numpy().copy(), model.linear.bias.detach().numpy().copy()


def _softmax(z: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _logsumexp(z: np.ndarray) -> np.ndarray:
    """log Σ exp(z) over each row, without overflow."""
    top = z.max(axis=1, keepdims=True)
    return top + np.log(np.exp(z - top).sum(axis=1, keepdims=True))


def _log_softmax(z: np.ndarray) -> np.ndarray:
    return z - _logsumexp(z)


#: What an output can be, given the logits Z, in the order they are recognised.
OUTPUT_KINDS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "logits": lambda z: z,
    "log_softmax": _log_softmax,
    "softmax": lambda z: _softmax(z, 1),
    "softmax_batch": lambda z: _softmax(z, 0),
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
}
#: Kinds that are the right logits up to a final activation, which only no_softmax / raw_logits charge.
AFFINE_KINDS = set(OUTPUT_KINDS)


def _close(got: np.ndarray, expected: np.ndarray) -> bool:
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=RTOL, atol=ATOL))


def observe(ctx: ItemContext, output_size: int, n: int) -> dict[str, Any]:
    """Run MultinomialLogisticRegression(784, output_size) on n feature rows with the reference's
    parameters copied in (when its parameters are one weight and one bias) and say what came out.

    Returns ``logits`` (X Wᵀ + b, without b when the model has no bias), ``got`` (the output), ``kind``
    (a key of OUTPUT_KINDS, or None) and ``copied`` (False when the parameters could not be copied,
    then ``got`` comes from the model's own initialisation).  Memoised: several checks share it.
    """
    key = ("observe", output_size, n)
    if key in ctx.memo:
        return ctx.memo[key]
    info = parameters(ctx, MNIST_FEATURES, output_size)
    weight, bias, _ = affine_parameters(info["parameters"], MNIST_FEATURES, output_size)
    w, b = reference_parameters(ctx, MNIST_FEATURES, output_size)
    x = features(ctx, n, MNIST_FEATURES, "values")
    state: dict[str, np.ndarray] = {}
    if weight is not None:
        state[weight["name"]] = w if weight["shape"] == [output_size, MNIST_FEATURES] else w.T.copy()
        if bias is not None:
            state[bias["name"]] = b
    description = f"{what(MNIST_FEATURES, output_size)} on input of shape {shape_str(x.shape)}"
    try:
        [call] = ctx.exercise((MNIST_FEATURES, output_size), [{"input": x, "mode": "eval", "seed": 0}], state)
    except StudentCodeFailed as exc:
        if exc.kind != "exception":
            raise
        raise CheckFailed(f"forward fails: {exc.message}",
                          f"{description}\n{exc.counterexample or ''}".strip()) from None
    require_tensor(call["output"], description)
    got = np.asarray(call["output"]["data"], dtype=np.float64).reshape(call["output"]["shape"])
    xw = x.astype(np.float64) @ w.T.astype(np.float64)
    logits = xw + (b if bias is not None else 0.0)
    kind = next((k for k, f in OUTPUT_KINDS.items() if weight is not None and _close(got, f(logits))), None)
    ctx.memo[key] = {"xw": xw, "logits": logits, "got": got, "kind": kind, "copied": weight is not None,
                     "has_bias": bias is not None, "what": description}
    return ctx.memo[key]


VALUES_CONFIG = (10, 8)  #: (output_size, batch) on which no_softmax and raw_logits are judged


# -- the properties ---------------------------------------------------------------------------

def parameter_count(ctx: ItemContext) -> None:
    def prop(example: tuple[int, int]) -> None:
        n_in, n_out = example
        info = parameters(ctx, n_in, n_out)
        expected = n_in * n_out + n_out
        got = info["trainable"]
        if got == expected:
            return
        frozen = sum(int(np.prod(p["shape"])) for p in info["parameters"] if not p["requires_grad"])
        if got == 0 and info["unregistered_tensors"]:
            cause = unregistered_hint(info).strip()
        elif frozen:
            cause = f"{frozen} parameters have requires_grad=False, so the optimizer cannot train them."
        elif got == n_in * n_out:
            cause = "There is no bias (one per class)."
        elif got == n_in * n_out + n_in:
            cause = (f"The layer maps {n_out} features to {n_in}: nn.Linear takes the input size first, "
                     "nn.Linear(input_size, output_size).")
        elif got > expected:
            cause = "The model has more than one layer: logistic regression is a single affine map, no hidden layer."
        else:
            cause = "Are both sizes taken from the constructor's arguments?"
        raise CheckFailed(f"{what(n_in, n_out)} must have input_size·output_size + output_size = {expected} "
                          f"trainable parameters (a weight per input-class pair and a bias per class); yours has "
                          f"{got}. {cause}", f"{what(n_in, n_out)}: {got} trainable parameters, expected {expected}")

    for_all(ctx, sizes, prop, max_examples=6)


def single_affine_map(ctx: ItemContext) -> None:
    def prop(example: tuple[int, int]) -> None:
        n_in, n_out = example
        info = parameters(ctx, n_in, n_out)
        _, _, problem = affine_parameters(info["parameters"], n_in, n_out)
        if problem:
            raise CheckFailed(problem + ("." + unregistered_hint(info) if unregistered_hint(info) else ""),
                              f"{what(n_in, n_out)}: parameters "
                              + (", ".join(f"{p['name']} {shape_str(p['shape'])}" for p in info["parameters"])
                                 or "none"))

    for_all(ctx, sizes, prop, max_examples=4)


def _forward_shape(ctx: ItemContext, n_in: int, n_out: int, n: int) -> tuple[int, ...]:
    x = features(ctx, n, n_in, "shape")
    [call] = ctx.exercise((n_in, n_out), [{"input": x, "mode": "eval", "seed": 0}])
    require_tensor(call["output"], f"{what(n_in, n_out)} on input of shape {shape_str(x.shape)}")
    return tuple(call["output"]["shape"])


def _works_only_with_784(ctx: ItemContext, n_out: int, n: int) -> bool:
    """True when the model that failed at another input size gives the right shape with 784 features."""
    try:
        return _forward_shape(ctx, MNIST_FEATURES, n_out, n) == (n, n_out)
    except CheckFailed:
        return False


def output_shape(ctx: ItemContext) -> None:
    def prop(example: tuple[tuple[int, int], int]) -> None:
        (n_in, n_out), n = example
        try:
            shape = _forward_shape(ctx, n_in, n_out, n)
        except StudentCodeFailed as exc:
            if exc.kind != "exception":
                raise
            raise CheckFailed(f"forward fails on input of shape (N, input_size): {exc.message}",
                              f"{what(n_in, n_out)} on input {shape_str((n, n_in))}\n{exc.counterexample or ''}"
                              .strip()) from None
        if shape != (n, n_out):
            raise CheckFailed(f"the output must have shape (N, output_size): one row of {n_out} class scores per "
                              f"sample", f"{what(n_in, n_out)} on input {shape_str((n, n_in))} returned "
                                         f"{shape_str(shape)}; expected {shape_str((n, n_out))}")

    try:
        for_all(ctx, st.tuples(sizes, batch_sizes), prop, max_examples=8)
    except CheckFailed as exc:
        if isinstance(exc, StudentCodeFailed) and exc.kind != "exception":
            raise  # a hang or a crash says nothing about the sizes
        if _works_only_with_784(ctx, 3, 2):
            raise CheckFailed("forward reshapes to 784 features whatever the model's input_size (the notebook's "
                              "global input_size = 784, or 28*28, instead of the constructor's argument), so it "
                              f"works with 784 features only: use the constructor's input_size, e.g. "
                              f"self.input_size or {FLATTEN_HINT}", exc.counterexample) from None
        raise


def _explain_values(result: dict[str, Any]) -> CheckFailed:
    got, logits = result["got"], result["logits"]
    where = f"{result['what']}, with the reference's weight and bias copied into yours"
    if got.shape != logits.shape:
        return CheckFailed(f"the output has shape {shape_str(got.shape)}; expected {shape_str(logits.shape)} "
                           "(see output_shape)", where)
    if _close(got, np.maximum(logits, 0)):
        return CheckFailed("the output is ReLU(XW + b): the logits must be returned as they are, negative ones "
                           "included (no activation after the affine map)", where)
    if result["has_bias"] and _close(got, result["xw"]):
        return CheckFailed("the output is XW without the bias: the bias is registered but never added", where)
    index = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(got - logits)), got.shape))
    return CheckFailed("with the reference's weight and bias copied in, the output is not XW + b (nor a softmax "
                       "or log-softmax of it)",
                       f"{where}: at index {index} expected {logits[index]:.6g}, got {got[index]:.6g} "
                       f"(first row expected {short(logits[0])}, got {short(got[0])})")


def matches_reference(ctx: ItemContext) -> None:
    def prop(example: tuple[int, int]) -> None:
        n_out, n = example
        result = observe(ctx, n_out, n)
        if not result["copied"]:
            _, _, problem = affine_parameters(parameters(ctx, MNIST_FEATURES, n_out)["parameters"],
                                              MNIST_FEATURES, n_out)
            raise CheckFailed("the reference's weight and bias cannot be copied into your model, because its "
                              f"parameters are not one weight matrix and one bias (see single_affine_map): {problem}",
                              what(MNIST_FEATURES, n_out))
        if result["kind"] not in AFFINE_KINDS:
            raise _explain_values(result)

    for_all(ctx, st.tuples(st.integers(2, 12), st.integers(2, 6)), prop, max_examples=5)


def _looks_like_probabilities(got: np.ndarray) -> bool:
    return got.ndim == 2 and bool(np.all(got >= 0) and np.all(got <= 1)
                                  and np.allclose(got.sum(axis=1), 1.0, atol=ATOL))


def no_softmax(ctx: ItemContext) -> None:
    result = observe(ctx, *VALUES_CONFIG)
    kind, where = result["kind"], result["what"]
    loss = ("nn.CrossEntropyLoss applies log-softmax to the model's output itself, so a softmax in forward is "
            "applied twice and trains a different, worse model: return the logits XW + b")
    if kind == "softmax":
        raise CheckFailed(f"forward returns probabilities (a softmax of the logits): {loss}", where)
    if kind == "softmax_batch":
        raise CheckFailed("forward returns a softmax over the batch (dim=0), which is neither logits nor class "
                          f"probabilities: {loss}", where)
    if kind == "sigmoid":
        raise CheckFailed(f"forward returns sigmoid(XW + b), squashed into (0, 1): {loss}", where)
    if kind is None and _looks_like_probabilities(result["got"]):
        raise CheckFailed(f"forward returns probabilities (every row is non-negative and sums to 1): {loss}", where)


def raw_logits(ctx: ItemContext) -> None:
    result = observe(ctx, *VALUES_CONFIG)
    got = result["got"]
    log_probabilities = result["kind"] == "log_softmax" or (
        result["kind"] is None and got.ndim == 2 and got.size > 0 and np.allclose(_logsumexp(got), 0.0, atol=ATOL))
    if log_probabilities:
        raise CheckFailed("forward returns log-probabilities (log_softmax of the logits). This costs nothing: "
                          "nn.CrossEntropyLoss gives the same loss and gradients on them, because log_softmax of "
                          "log-probabilities changes nothing. But the usual convention is to return the raw logits "
                          "XW + b and leave the softmax to the loss.", result["what"])


def flattens_images(ctx: ItemContext) -> None:
    n_out = 10
    for n in (3, 1):
        images = ctx.rng("images", n).random((n, 1, 28, 28)).astype(np.float32)
        description = f"{what(MNIST_FEATURES, n_out)} on a batch of MNIST images of shape {shape_str(images.shape)}"
        advice = (f"The course's train passes the DataLoader's image batches straight to the model: flatten them "
                  f"inside forward, e.g. {FLATTEN_HINT} (a warning: costs nothing)")
        try:
            [call] = ctx.exercise((MNIST_FEATURES, n_out), [{"input": images, "mode": "eval", "seed": 0}])
            require_tensor(call["output"], description)
        except StudentCodeFailed as exc:
            if exc.kind != "exception":
                raise
            raise CheckFailed(f"forward fails on a batch of images (N, 1, 28, 28). {advice}",
                              f"{description}: {exc.message}") from None
        shape = tuple(call["output"]["shape"])
        if shape != (n, n_out):
            raise CheckFailed(f"forward gives shape {shape_str(shape)} on a batch of images (N, 1, 28, 28); "
                              f"expected {shape_str((n, n_out))}. {advice}", description)


CHECKS = (
    Check("parameter_count", "exactly input_size·output_size + output_size trainable parameters, for any sizes", 2,
          parameter_count),
    Check("single_affine_map", "one weight (output_size, input_size) or (input_size, output_size) and one bias of "
          "output_size elements", 2, single_affine_map),
    Check("output_shape", "output (N, output_size) on input (N, input_size), with the constructor's sizes", 2,
          output_shape),
    Check("matches_reference", "with the reference's weight and bias copied in, the output is XW + b", 3,
          matches_reference),
    Check("no_softmax", "forward returns logits, not probabilities (nn.CrossEntropyLoss applies the softmax)", 2,
          no_softmax),
    Check("raw_logits", "forward returns raw logits rather than log-probabilities (a warning: costs nothing)", 0,
          raw_logits, warning_only=True),
    Check("flattens_images", "with input_size = 784, forward also takes MNIST image batches (N, 1, 28, 28) "
          "(a warning: costs nothing)", 0, flattens_images, warning_only=True),
)
