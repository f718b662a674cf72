"""The GPU-only checks without a GPU: their verdicts on the reports a GPU executor would send, and their
probes' own logic run on the CPU (``DEVICE`` pointed at the CPU), so that the code a GPU machine runs
first has at least run once.  On a real GPU they run through tests/test_requirements.py's machinery."""

from __future__ import annotations

import textwrap
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch

from grader.checks import gpu as gpu_checks
from grader.checks.core import CheckFailed, ItemContext, StudentCodeFailed
from grader.sandbox.executor.guard import Guard
from grader.sandbox.executor.student import StudentModule
from grader.sandbox.probes import gpu as gpu_probes
from grader.sandbox.probes import registry

GOOD_DROPOUT = """
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if not self.training:
            return input
        return input * (torch.rand_like(input) >= self.p) / (1 - self.p)
"""
GOOD_BATCHNORM = """
class BatchNorm(nn.Module):
    def __init__(self, num_features):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))

    def forward(self, input):
        mean = input.mean(dim=(0, 2), keepdim=True)
        var = input.var(dim=(0, 2), unbiased=False, keepdim=True)
        return (input - mean) / torch.sqrt(var + 1e-5) * self.gamma[None, :, None] + self.beta[None, :, None]
"""


class _Replies:
    """An ItemContext whose requests answer from a table (what a GPU executor would send)."""

    def __init__(self, reply: Any) -> None:
        self.reply = reply

    def context(self) -> ItemContext:
        ctx = ItemContext(sandbox=SimpleNamespace(), item="Dropout", name="Dropout",  # type: ignore[arg-type]
                          available=frozenset({"cuda"}))
        ctx.request = self.request  # type: ignore[method-assign]
        return ctx

    def request(self, op: str, args: dict[str, Any], timeout: float | None = None) -> Any:
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply


ON_GPU = {"type": "torch.Tensor", "device": "cuda:0", "shape": [8, 16], "finite": True}
ON_CPU = {**ON_GPU, "device": "cpu"}
FORWARD = gpu_checks.cuda_forward(lambda ctx: ctx.target(0.3), (8, 16))
SPEED = gpu_checks.cuda_speed("dropout")


def test_cuda_forward_passes_when_everything_stays_on_the_gpu() -> None:
    FORWARD.run(_Replies({"train": ON_GPU, "input_grad": ON_GPU, "eval": ON_GPU}).context())


@pytest.mark.parametrize("reply, expected", [
    ({"train": ON_CPU, "input_grad": ON_GPU, "eval": ON_GPU}, "the training-mode output is on the cpu device"),
    ({"train": ON_GPU, "input_grad": ON_CPU, "eval": ON_GPU}, "the gradient of the input is on the cpu device"),
    ({"train": ON_GPU, "eval": {"type": "ndarray"}}, "the eval-mode output is a ndarray"),
    (StudentCodeFailed("your code raised RuntimeError: Expected all tensors to be on the same device"),
     "a tensor in forward is on another device than the input"),
])
def test_cuda_forward_names_the_device_problem(reply: Any, expected: str) -> None:
    with pytest.raises(CheckFailed) as caught:
        FORWARD.run(_Replies(reply).context())
    assert expected in caught.value.message and "device=input.device" in caught.value.message


def test_cuda_forward_lets_a_hang_through_as_it_is() -> None:
    hang = StudentCodeFailed("`Dropout`: timed out after 10 s", kind="timeout")
    with pytest.raises(StudentCodeFailed) as caught:
        FORWARD.run(_Replies(hang).context())
    assert caught.value is hang


def test_cuda_speed_allows_the_stated_factor_and_no_more() -> None:
    SPEED.run(_Replies({"student": 0.0029, "reference": 0.001}).context())
    with pytest.raises(CheckFailed, match=r"3\.5 times the 1\.0 ms .* NumPy"):
        SPEED.run(_Replies({"student": 0.0035, "reference": 0.001}).context())


@pytest.fixture()
def cpu_student(monkeypatch: pytest.MonkeyPatch) -> StudentModule:
    """The GPU probes with their device pointed at the CPU (and no CUDA synchronisation)."""
    monkeypatch.setattr(gpu_probes, "DEVICE", "cpu")
    monkeypatch.setattr(torch.cuda, "synchronize", lambda *args: None)
    registry.warm_up()
    student = StudentModule(guard=Guard())
    student.run_statement(1, 1, "import numpy as np\nimport torch\nimport torch.nn as nn\n")
    student.run_statement(2, 1, textwrap.dedent(GOOD_DROPOUT))
    student.run_statement(3, 1, textwrap.dedent(GOOD_BATCHNORM))
    return student


def test_cuda_layer_probe_reports_devices_of_outputs_and_gradient(cpu_student: StudentModule) -> None:
    x = np.random.default_rng(0).standard_normal((8, 4, 16)).astype(np.float32)
    report = gpu_probes.cuda_layer(cpu_student, {"name": "BatchNorm", "args": [4], "kwargs": {}}, x)
    assert {report[k]["device"] for k in ("train", "input_grad", "eval")} == {"cpu"}
    assert report["train"]["shape"] == [8, 4, 16] and report["train"]["finite"]


@pytest.mark.parametrize("name, kind", [("Dropout", "dropout"), ("BatchNorm", "batchnorm")])
def test_layer_speed_probe_times_both_stacks(cpu_student: StudentModule, name: str, kind: str) -> None:
    times = gpu_probes.layer_speed(cpu_student, name, kind, batch=2, repeats=1)
    assert set(times) == {"student", "reference"} and all(t > 0 for t in times.values())


RUN_EPOCH = gpu_checks.cuda_run_epoch()


def test_cuda_run_epoch_passes_on_finite_numbers_and_names_a_batch_left_on_the_cpu() -> None:
    RUN_EPOCH.run(_Replies({"train": [0.2, 0.5], "eval": [0.1, 0.6]}).context())
    mismatch = StudentCodeFailed("your code raised RuntimeError: Expected all tensors to be on the same device, "
                                 "but found at least two devices, cuda:0 and cpu!")
    with pytest.raises(CheckFailed, match="not on the model's device; move both"):
        RUN_EPOCH.run(_Replies(mismatch).context())
    with pytest.raises(CheckFailed, match="not finite numbers"):
        RUN_EPOCH.run(_Replies({"train": [None, 0.5], "eval": [0.1, 0.6]}).context())


def test_cuda_run_epoch_probe_calls_the_loop_twice(cpu_student: StudentModule) -> None:
    cpu_student.run_statement(4, 1, textwrap.dedent("""
        def run_epoch(model, optimizer, dataloader, train):
            device = next(model.parameters()).device
            model.train(train)
            total, correct = 0.0, 0
            with torch.set_grad_enabled(train):
                for xb, yb in dataloader:
                    xb, yb = xb.to(device), yb.to(device)
                    loss = nn.functional.cross_entropy(model(xb), yb)
                    if train:
                        optimizer.zero_grad()
                        loss.backward()
                        optimizer.step()
                    total += loss.item()
            return total / len(dataloader.dataset), correct / len(dataloader.dataset)
    """))
    report = gpu_probes.epoch_on_cuda(cpu_student, "run_epoch")
    assert set(report) == {"train", "eval"} and all(len(v) == 2 and None not in v for v in report.values())
