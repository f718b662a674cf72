"""The training smoke probe: the student's whole model trains for a fixed number of steps.

``smoke_train`` copies the model (an instance item like ``resnet`` is never changed for the
checks after it), trains the copy with Adam on the images the judge sends, in mini-batches, on
the CPU or, for a CUDA executor, on the GPU, and reports plain numbers: the loss on the whole set
before and after, every step's loss, the first step whose output was not finite, and the
time the steps took.  Every verdict is the judge's.  Imports nothing from ``reference/`` or
``assignments/``.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from grader.sandbox.executor.student import StudentModule
from grader.sandbox.probes.core import _module_train, _named_parameters, seed_everything, trainable_count
from grader.sandbox.probes.learning import _output_problem
from grader.sandbox.probes.structure import _module

_isfinite = torch.isfinite


def _set_loss(student: StudentModule, model: Any, x: torch.Tensor, y: torch.Tensor, batch: int) -> float | None:
    """Cross-entropy over the whole set, in training mode (batch statistics: after a few steps a batch norm's
    running averages are not settled yet), without gradients; None when forward misbehaves."""
    _module_train(model, True)
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(x), batch):
            out = student.call(model, x[start:start + batch].clone())
            if _output_problem(out, len(x[start:start + batch])) is not None:
                return None
            total += float(F.cross_entropy(out.float(), y[start:start + batch], reduction="sum"))
    return total / len(x)


def _synchronize(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def smoke_train(student: StudentModule, target: dict[str, Any], images: np.ndarray, labels: np.ndarray,
                steps: int, batch: int, lr: float, seed: int = 0, device: str = "cpu") -> dict[str, Any]:
    """Train a copy of ``target`` for ``steps`` Adam steps of ``batch`` images (reshuffled each pass, seeded).

    Stops early, saying why, when there is nothing to train, when the output cannot be fed to
    cross-entropy, or when the loss is not connected to any parameter.  ``device="cuda"`` moves the
    copy and the data to the GPU first (only a CUDA executor is asked for that).
    """
    seed_everything(int(seed))
    model = _module(student, target)
    if not target.get("instantiate", True):
        model = student.call(copy.deepcopy, model)  # the graded instance stays as it was
    if device != "cpu":
        model = student.call(model.to, device)
    x = torch.from_numpy(np.array(images, dtype=np.float32, copy=True)).to(device)
    y = torch.from_numpy(np.array(labels, dtype=np.int64, copy=True)).to(device)
    trainable = [p for _, p in _named_parameters(model) if p.requires_grad]
    report: dict[str, Any] = {"trainable": trainable_count(model), "losses": [], "steps_done": 0, "device": device}
    if not trainable:
        report["stopped"] = "no_trainable_parameters"
        return report
    report["loss_before"] = _set_loss(student, model, x, y, batch)
    optimizer = torch.optim.Adam(trainable, lr=float(lr))
    order = torch.Generator().manual_seed(int(seed))
    per_pass = max(len(x) // batch, 1)
    _synchronize(device)
    started = time.perf_counter()
    for step in range(int(steps)):
        if step % per_pass == 0:
            permutation = torch.randperm(len(x), generator=order).to(device)
        chosen = permutation[(step % per_pass) * batch:][:batch]
        _module_train(model, True)
        optimizer.zero_grad()
        out = student.call(model, x[chosen].clone())
        problem = _output_problem(out, len(chosen))
        if problem is not None:
            report.update(stopped="bad_output", output=problem)
            return report
        if "nonfinite_step" not in report and not bool(_isfinite(out.detach()).all()):
            report["nonfinite_step"] = step
        loss = F.cross_entropy(out.float(), y[chosen])
        if not loss.requires_grad:
            report["stopped"] = "not_connected"
            return report
        student.call(torch.autograd.backward, loss)  # the student's own autograd functions may run
        optimizer.step()
        report["losses"].append(float(loss.detach()))
        report["steps_done"] = step + 1
    _synchronize(device)
    report["seconds"] = time.perf_counter() - started
    report["loss_after"] = _set_loss(student, model, x, y, batch)
    return report


def warm_up() -> None:
    """Run Adam and a deep copy once, before the guard's snapshot (torch patches itself lazily)."""
    seed_everything(0)
    model = copy.deepcopy(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3)))
    optimizer = torch.optim.Adam(list(model.parameters()), lr=0.01)
    loss = F.cross_entropy(model(torch.rand(2, 1, 2, 2)), torch.tensor([0, 2]), reduction="sum")
    torch.autograd.backward(loss)
    optimizer.step()
    torch.randperm(4, generator=torch.Generator().manual_seed(0))
    bool(_isfinite(loss.detach()).all())


#: Operations the judge may request, by name (collected in grader.sandbox.probes.registry).
SMOKE_PROBES: dict[str, Callable[..., Any]] = {
    "smoke_train": smoke_train,
}
