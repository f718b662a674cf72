"""The smoke group (``--smoke``): the whole model trains on generated images, on the CPU's short schedule.

Full-marks models pass; a model that cannot learn (its output ignores the input, its forward runs under
no_grad, its output turns NaN) gets a warning naming why, and never loses points.  The CUDA schedule is
reported skipped on a machine without a GPU.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.grade import GradeOptions, grade
from grader.results import CheckResult, GradeResult

SUBMISSIONS = Path(__file__).parent.parent / "submissions"
LENET = (Path(__file__).parent / "catalog" / "lenet_mnist" / "LeNet" / "good_int_num_flat_features_reshape.py")
CPU_ONLY = frozenset()


def _smoke(result: GradeResult, item: str) -> tuple[CheckResult, CheckResult]:
    checks = {c.name: c for i in result.items if i.name == item for c in i.checks}
    return checks["trains_smoke"], checks["trains_smoke_cuda"]


@pytest.mark.parametrize("submission, items", [
    ("resnet_cifar10_full_marks.ipynb", ("resnet",)),
    ("mnist_logreg_cnn_full_marks.ipynb", ("MultinomialLogisticRegression", "ConvNet2")),
    ("lenet_mnist_full_marks.ipynb", ("LeNet",)),
])
def test_full_marks_models_train(submission: str, items: tuple[str, ...]) -> None:
    result = grade(SUBMISSIONS / submission, GradeOptions(items=items, smoke=True, available=CPU_ONLY))
    assert result.score == result.max_score > 0
    for item in items:
        cpu, cuda = _smoke(result, item)
        assert cpu.outcome == "passed", cpu.message
        assert cuda.outcome == "skipped" and cuda.message.startswith("no CUDA device")
        assert cpu.max_points == cuda.max_points == 0


def _lenet_with_forward(tmp_path: Path, forward: str) -> Path:
    """The good LeNet catalog entry with its forward's last line replaced."""
    source = LENET.read_text()
    assert "        x = self.fc3(x)\n        return x\n" in source
    path = tmp_path / "lenet.py"
    path.write_text(source.replace("        x = self.fc3(x)\n        return x\n", forward))
    return path


@pytest.mark.parametrize("forward, expected", [
    ("        return self.fc3(x) * 0 + self.fc3.bias\n", "does not learn"),  # ignores its input
    ("        return self.fc3(x).detach()\n", "not connected"),
    ("        return self.fc3(x) * float('nan')\n", "infinite or NaN"),
])
def test_a_model_that_cannot_learn_gets_a_warning_and_loses_no_points(tmp_path: Path, forward: str,
                                                                       expected: str) -> None:
    result = grade(_lenet_with_forward(tmp_path, forward),
                   GradeOptions(assignment="lenet_mnist", items=("LeNet",), smoke=True, available=CPU_ONLY))
    cpu, _ = _smoke(result, "LeNet")
    assert cpu.outcome == "warning" and expected in cpu.message, cpu.message
    assert "Adam steps" in (cpu.counterexample or "")


def test_smoke_group_is_off_by_default() -> None:
    result = grade(LENET, GradeOptions(assignment="lenet_mnist", items=("LeNet",), available=CPU_ONLY))
    names = {c.name for i in result.items for c in i.checks}
    assert names and not {"trains_smoke", "trains_smoke_cuda"} & names
