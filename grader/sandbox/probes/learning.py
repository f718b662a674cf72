"""Probes that exercise a student's network as a whole: where its layers' values go, and whether it learns.

``layer_io`` runs one model on one batch several times (e.g. once in training mode and once in eval
mode, each with its own seed) and sends back the input and output of every convolution and linear
layer it calls, so that the judge can tell where a dropout acts and with which rate by comparing the
runs.  ``sgd_steps`` trains the model for a few plain SGD steps on data the judge sends and reports
the losses.  Both return plain data only; every verdict is the judge's.
Imports nothing from ``reference/`` or ``assignments/``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from grader.sandbox.executor.student import StudentModule
from grader.sandbox.probes.core import (
    _isinstance,
    _module_train,
    _named_parameters,
    _Tensor,
    _type,
    seed_everything,
    tensor_report,
    to_array,
    trainable_count,
)
from grader.sandbox.probes.structure import _layer_attributes, _module

_named_modules = torch.nn.Module.named_modules
#: Layers whose input and output tensors ``layer_io`` sends back (everything else: type and shapes only).
_CAPTURED = (torch.nn.Conv2d, torch.nn.Linear)


def _shape(value: Any) -> list[int] | None:
    return [int(s) for s in value.shape] if _isinstance(value, _Tensor) else None


# -- layer_io -----------------------------------------------------------------------------------

def layer_io(student: StudentModule, target: dict[str, Any], input: np.ndarray, runs: list[dict[str, Any]],
             seed: int = 0) -> dict[str, Any]:
    """Build ``target`` once (torch seeded with ``seed``), then run it on ``input`` once per entry of
    ``runs`` (``{"mode": "train" | "eval", "seed": int}``), without gradients.

    Each run reports, in call order, every leaf module called (name, type, shapes) and, for
    convolutions and linear layers, their attributes and their input and output values, copied
    when the hook fires (a later in-place ReLU cannot change them), plus the model's output.
    """
    seed_everything(int(seed))
    model = _module(student, target)
    images = torch.from_numpy(np.array(input, copy=True))
    return {"runs": [_one_run(student, model, images, run) for run in runs],
            "trainable": trainable_count(model)}


def _one_run(student: StudentModule, model: Any, images: torch.Tensor, run: dict[str, Any]) -> dict[str, Any]:
    calls: list[dict[str, Any]] = []
    open_calls: dict[int, list[int]] = {}

    def pre_hook(name: str) -> Callable[..., None]:
        def hook(module: Any, args: tuple[Any, ...]) -> None:
            record: dict[str, Any] = {"name": name, "type": _type(module).__qualname__,
                                      "input_shape": _shape(args[0]) if args else None, "output_shape": None}
            if _isinstance(module, _CAPTURED):
                record.update(_layer_attributes(module))
                if args and _isinstance(args[0], _Tensor):
                    record["input"] = to_array(args[0])
            open_calls.setdefault(id(module), []).append(len(calls))
            calls.append(record)
        return hook

    def post_hook(module: Any, args: tuple[Any, ...], output: Any) -> None:
        stack = open_calls.get(id(module))
        if not stack:
            return
        record = calls[stack.pop()]
        record["output_shape"] = _shape(output)
        if _isinstance(module, _CAPTURED) and _isinstance(output, _Tensor):
            record["output"] = to_array(output)

    handles = []
    for name, module in _named_modules(model):
        if any(True for _ in module.children()):
            continue  # containers: their leaves say everything
        handles.append(module.register_forward_pre_hook(pre_hook(name)))
        handles.append(module.register_forward_hook(post_hook))
    seed_everything(int(run.get("seed", 0)))
    _module_train(model, run.get("mode", "eval") == "train")
    try:
        with torch.no_grad():
            out = student.call(model, images.clone())
    finally:
        for handle in handles:
            handle.remove()
    return {"mode": run.get("mode", "eval"), "calls": calls, "output": tensor_report(out)}


# -- sgd_steps ----------------------------------------------------------------------------------

def _output_problem(out: Any, batch: int) -> dict[str, Any] | None:
    """Why ``out`` cannot be given to cross-entropy as (batch, classes) scores, or None."""
    if _type(out) is not _Tensor:
        return {"type": _type(out).__qualname__}
    if out.dim() != 2 or out.shape[0] != batch or not out.is_floating_point():
        return {"type": "torch.Tensor", "shape": _shape(out), "dtype": str(out.dtype).replace("torch.", "")}
    return None


def _eval_loss(student: StudentModule, model: Any, x: torch.Tensor, y: torch.Tensor) -> float | None:
    """Cross-entropy on the whole set in eval mode (no dropout noise), or None when forward misbehaves."""
    _module_train(model, False)
    with torch.no_grad():
        out = student.call(model, x.clone())
    if _output_problem(out, len(x)) is not None:
        return None
    return float(F.cross_entropy(out.float(), y))


def sgd_steps(student: StudentModule, target: dict[str, Any], images: np.ndarray, labels: np.ndarray,
              steps: int, lr: float, seed: int = 0) -> dict[str, Any]:
    """Train ``target`` (built with torch seeded by ``seed``) for ``steps`` full-batch SGD steps on
    (images, labels) with cross-entropy, in training mode, as the course's ``train`` does.

    Reports the training-mode loss of every step and the eval-mode loss on the same data before and
    after.  Stops early, saying why, when there is nothing to train, when the output cannot be fed
    to the loss, or when the loss is not connected to any parameter (forward under no_grad).
    An exception in the student's forward or backward propagates as the student's error.
    """
    seed_everything(int(seed))
    model = _module(student, target)
    x = torch.from_numpy(np.array(images, dtype=np.float32, copy=True))
    y = torch.from_numpy(np.array(labels, dtype=np.int64, copy=True))
    trainable = [p for _, p in _named_parameters(model) if p.requires_grad]
    report: dict[str, Any] = {"trainable": trainable_count(model), "losses": []}
    if not trainable:
        report["stopped"] = "no_trainable_parameters"
        return report
    report["loss_before"] = _eval_loss(student, model, x, y)
    optimizer = torch.optim.SGD(trainable, lr=float(lr))
    for _ in range(int(steps)):
        _module_train(model, True)
        optimizer.zero_grad()
        out = student.call(model, x.clone())
        problem = _output_problem(out, len(x))
        if problem is not None:
            report.update(stopped="bad_output", output=problem)
            return report
        loss = F.cross_entropy(out.float(), y)
        if not loss.requires_grad:
            report["stopped"] = "not_connected"
            return report
        student.call(torch.autograd.backward, loss)  # the student's own autograd functions may run
        optimizer.step()
        report["losses"].append(float(loss.detach()))
    report["loss_after"] = _eval_loss(student, model, x, y)
    return report


def warm_up() -> None:
    """Run the torch paths these probes use once, before the guard's snapshot (hooks, SGD, cross-entropy)."""
    seed_everything(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                                torch.nn.Linear(2 * 4 * 4, 3))
    handles = [m.register_forward_pre_hook(lambda m, a: None) for m in model]
    handles += [m.register_forward_hook(lambda m, a, o: None) for m in model]
    x, y = torch.rand(2, 1, 6, 6), torch.tensor([0, 2])
    with torch.no_grad():
        to_array(model(x))
    for handle in handles:
        handle.remove()
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x).float(), y)
    torch.autograd.backward(loss)
    optimizer.step()
    float(loss.detach())


#: Operations the judge may request, by name (collected in grader.sandbox.probes.registry).
LEARNING_PROBES: dict[str, Callable[..., Any]] = {
    "layer_io": layer_io,
    "sgd_steps": sgd_steps,
}
