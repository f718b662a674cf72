"""GPU probes: the student's layer after ``.to("cuda")``, and its speed inside a ResNet-sized forward.

Only a CUDA executor is asked for these (the judge declares the checks with ``requires=("cuda",)``;
see grader.checks.requirements), so nothing here runs, or touches CUDA, on a machine without a
GPU.  ``cuda_layer`` moves the module and its input to the GPU, runs forward (and backward in
training mode) and reports where the results are.  ``layer_speed`` times a ResNet-32-sized stack of
3×3 convolutions with the student's layer after each against the same stack with torch's own
layers (``nn.Dropout``, ``nn.BatchNorm1d``: the answer itself never enters an executor), interleaved
within one run, and reports the two times: the judge compares their ratio.  ``epoch_on_cuda`` runs the student's loop with a
model on the GPU and batches from the CPU.  Imports nothing from ``reference/`` or
``assignments/``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from grader.sandbox.executor.student import StudentModule
from grader.sandbox.probes.core import _isinstance, _module_train, _Tensor, _type, lookup, seed_everything
from grader.sandbox.probes.structure import _module

DEVICE = "cuda"


def _where(value: Any) -> dict[str, Any]:
    if not _isinstance(value, _Tensor):
        return {"type": _type(value).__qualname__}
    return {"type": "torch.Tensor", "device": str(value.device), "shape": [int(s) for s in value.shape],
            "finite": bool(torch.isfinite(value.detach()).all())}


def cuda_layer(student: StudentModule, target: dict[str, Any], input: np.ndarray, seed: int = 0) -> dict[str, Any]:
    """Build ``target``, move it to the GPU, run forward on ``input`` (on the GPU) in training mode with a
    backward pass and in eval mode; report the output's and the input gradient's device.  A student
    exception (a CPU mask meeting a GPU input, ``.numpy()`` of a GPU tensor) propagates as theirs."""
    seed_everything(int(seed))
    module = student.call(_module(student, target).to, DEVICE)
    x = torch.from_numpy(np.array(input, dtype=np.float32, copy=True)).to(DEVICE).requires_grad_(True)
    _module_train(module, True)
    out = student.call(module, x)
    report: dict[str, Any] = {"train": _where(out)}
    if _isinstance(out, _Tensor) and out.requires_grad:
        student.call(torch.autograd.backward, out.float().sum())
        report["input_grad"] = _where(x.grad)
    _module_train(module, False)
    with torch.no_grad():
        report["eval"] = _where(student.call(module, x.detach()))
    torch.cuda.synchronize()
    return report


class _OnMaps(torch.nn.Module):
    """A layer of (N, C, L) inputs (the assignment's BatchNorm) applied to (N, C, H, W) feature maps."""

    def __init__(self, layer: Any) -> None:
        super().__init__()
        self.layer = layer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        return self.layer(x.reshape(n, c, h * w)).reshape(n, c, h, w)


#: (in, out, stride) of the 31 convolutions of ResNet-32's stem and blocks (n = 5).
_CONVS = ([(3, 16, 1)] + [(16, 16, 1)] * 10 + [(16, 32, 2)] + [(32, 32, 1)] * 9 + [(32, 64, 2)] + [(64, 64, 1)] * 9)


def _stack(make_layer: Callable[[int], Any], kind: str) -> torch.nn.Sequential:
    layers: list[torch.nn.Module] = []
    for cin, cout, stride in _CONVS:
        layer = make_layer(cout)
        layers += [torch.nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
                   _OnMaps(layer) if kind == "batchnorm" else layer, torch.nn.ReLU()]
    return torch.nn.Sequential(*layers)


def layer_speed(student: StudentModule, name: str, kind: str, batch: int = 128, repeats: int = 20,
                seed: int = 0) -> dict[str, Any]:
    """Median seconds of one training-mode forward (no gradients) of a batch of ``batch`` 3×32×32 images
    through the stack with the student's ``name`` layers and through the stack with torch's own
    layers, timed alternately so that both see the same machine."""
    seed_everything(int(seed))
    cls = lookup(student, name)
    arg = (lambda channels: 0.1) if kind == "dropout" else (lambda channels: channels)
    student_stack = _stack(lambda c: student.call(cls, arg(c)), kind)
    builtin = torch.nn.Dropout if kind == "dropout" else torch.nn.BatchNorm1d
    reference_stack = _stack(lambda c: builtin(arg(c)), kind)
    student_stack = student.call(student_stack.to, DEVICE)
    reference_stack = reference_stack.to(DEVICE)
    x = torch.randn(int(batch), 3, 32, 32, device=DEVICE)
    times: dict[str, list[float]] = {"student": [], "reference": []}
    with torch.no_grad():
        for round_ in range(int(repeats) + 2):  # two rounds of warm-up (cuDNN's choice of algorithms)
            for label, stack in (("student", student_stack), ("reference", reference_stack)):
                torch.cuda.synchronize()
                started = time.perf_counter()
                student.call(stack, x) if label == "student" else stack(x)
                torch.cuda.synchronize()
                if round_ >= 2:
                    times[label].append(time.perf_counter() - started)
    return {label: statistics.median(values) for label, values in times.items()}


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError, RuntimeError):
        return None


def epoch_on_cuda(student: StudentModule, name: str, seed: int = 0) -> dict[str, Any]:
    """Call the student's ``run_epoch(model, optimizer, dataloader, train)`` with a small model on the GPU and a
    DataLoader of CPU batches (as the course's loaders give), once training and once evaluating
    (optimizer None).  A batch never moved to the model's device raises there, as the student's error."""
    seed_everything(int(seed))
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 4 * 4, 10)).to(DEVICE)
    dataset = torch.utils.data.TensorDataset(torch.randn(20, 3, 4, 4), torch.randint(0, 10, (20,)))
    loader = torch.utils.data.DataLoader(dataset, batch_size=8, shuffle=False)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    run_epoch = lookup(student, name)
    report: dict[str, Any] = {}
    for label, args in (("train", (model, optimizer, loader, True)), ("eval", (model, None, loader, False))):
        value = student.call(run_epoch, *args)
        parts = value if _type(value) in (tuple, list) else (value,)
        report[label] = [_number(part) for part in parts]
    torch.cuda.synchronize()
    return report


#: Operations the judge may request, by name (collected in grader.sandbox.probes.registry).
GPU_PROBES: dict[str, Callable[..., Any]] = {
    "cuda_layer": cuda_layer,
    "layer_speed": layer_speed,
    "epoch_on_cuda": epoch_on_cuda,
}
