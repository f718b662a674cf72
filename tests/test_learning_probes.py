"""The whole-network probes in-process (no worker): what layer_io captures and what sgd_steps reports,
plus the judge's dropout arithmetic of the ConvNet2 checks on hand-made masks."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import numpy as np
import pytest

from assignments.mnist_logreg_cnn import convnet2_common, convnet2_dropout
from grader.sandbox.probes import learning as learning_probes
from grader.sandbox.executor.guard import Guard
from grader.sandbox.executor.student import StudentCodeError, StudentModule

ROOT = Path(__file__).parent.parent
NET = """
class {name}(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1)
        self.fc1 = nn.Linear(2 * 4 * 4, 6)
        self.fc2 = nn.Linear(6, 3)

    def forward(self, x):
        x = F.max_pool2d(torch.relu(self.conv(x)), 2).flatten(1)
        {body}
"""


@pytest.fixture(scope="module")
def student() -> StudentModule:
    learning_probes.warm_up()
    module = StudentModule(guard=Guard())
    module.run_statement(1, 1, "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n")
    return module


def define(student: StudentModule, name: str, body: str) -> dict:
    student.run_statement(2, 1, textwrap.dedent(NET).format(name=name, body=body))
    return {"name": name, "args": [], "kwargs": {}}


def images(n: int = 4) -> np.ndarray:
    return np.random.default_rng(0).standard_normal((n, 1, 8, 8)).astype(np.float32)


RUNS = [{"mode": "train", "seed": 1}, {"mode": "eval", "seed": 2}, {"mode": "eval", "seed": 3}]


def test_layer_io_captures_the_linear_inputs_of_each_run(student: StudentModule) -> None:
    target = define(student, "Dropped", "return self.fc2(torch.relu(self.fc1(F.dropout(x, 0.5, self.training))))")
    train, eval1, eval2 = learning_probes.layer_io(student, target, images(), RUNS, seed=7)["runs"]
    assert [c["type"] for c in train["calls"]] == ["Conv2d", "Linear", "Linear"]
    conv, fc1, _ = train["calls"]
    assert conv["kernel_size"] == [3, 3] and conv["padding"] == [1, 1]
    assert fc1["in_features"] == 32 and fc1["input"].shape == (4, 32)
    np.testing.assert_array_equal(eval1["calls"][1]["input"], eval2["calls"][1]["input"])
    base, got = eval1["calls"][1]["input"], fc1["input"]
    assert np.all((got == 0) | np.isclose(got, 2 * base)) and not np.array_equal(got, 2 * base)
    np.testing.assert_allclose(train["output"]["data"], train["calls"][2]["output"], rtol=1e-6)


def test_layer_io_copies_values_before_an_in_place_relu(student: StudentModule) -> None:
    target = define(student, "InPlace", "return self.fc2(F.relu(self.fc1(x), inplace=True))")
    [run] = learning_probes.layer_io(student, target, images(), RUNS[1:2])["runs"]
    assert (run["calls"][1]["output"] < 0).any()  # fc1's output as it left fc1, negatives included


def test_layer_io_builds_the_model_from_its_seed(student: StudentModule) -> None:
    target = define(student, "Plain", "return self.fc2(torch.relu(self.fc1(x)))")
    first, second = (learning_probes.layer_io(student, target, images(), RUNS[1:2], seed=5)["runs"][0]
                     for _ in range(2))
    np.testing.assert_array_equal(first["output"]["data"], second["output"]["data"])


def learning_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    y = np.repeat(np.arange(3), 4)
    x = rng.normal(0, 0.1, (12, 1, 8, 8)).astype(np.float32)
    for i, label in enumerate(y):
        x[i, 0, :, 2 * label:2 * label + 2] += 1.0
    return x, y


def sgd(student: StudentModule, name: str, body: str) -> dict:
    x, y = learning_data()
    return learning_probes.sgd_steps(student, define(student, name, body), x, y, steps=15, lr=0.5, seed=3)


def test_sgd_steps_report_falling_losses(student: StudentModule) -> None:
    report = sgd(student, "Learner", "return self.fc2(torch.relu(self.fc1(x)))")
    assert "stopped" not in report and len(report["losses"]) == 15
    assert report["loss_after"] < 0.5 * report["loss_before"]


@pytest.mark.parametrize("name, body, stopped", [
    ("NoGrad", "with torch.no_grad():\n            return self.fc2(torch.relu(self.fc1(x)))", "not_connected"),
    ("Argmax", "return self.fc2(torch.relu(self.fc1(x))).argmax(1)", "bad_output"),
])
def test_sgd_steps_say_why_they_stop(student: StudentModule, name: str, body: str, stopped: str) -> None:
    assert sgd(student, name, body)["stopped"] == stopped


def test_sgd_steps_without_trainable_parameters(student: StudentModule) -> None:
    target = define(student, "Frozen", "return self.fc2(torch.relu(self.fc1(x)))")
    student.run_statement(3, 1, "_init = Frozen.__init__\n"
                                "def _frozen(self):\n    _init(self)\n    self.requires_grad_(False)\n"
                                "Frozen.__init__ = _frozen\n")
    x, y = learning_data()
    assert learning_probes.sgd_steps(student, target, x, y, 3, 0.1)["stopped"] == "no_trainable_parameters"


def test_sgd_steps_pass_on_the_students_exception(student: StudentModule) -> None:
    with pytest.raises(StudentCodeError) as error:
        sgd(student, "Broken", "return self.fc2(x)")
    assert "cell 2" in error.value.failure["traceback"]


def test_worker_probe_imports_no_reference_or_assignment() -> None:
    tree = ast.parse((ROOT / "grader/sandbox/probes/learning.py").read_text())
    modules = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in modules if m.split(".")[0] in ("reference", "assignments")]


# -- the judge's dropout arithmetic ------------------------------------------------------------

def features(shape: tuple[int, int] = (8, 1568)) -> np.ndarray:
    return np.abs(np.random.default_rng(2).standard_normal(shape)).astype(np.float32) + 0.1


def test_dropout_scale_finds_the_survivors_factor() -> None:
    base = features()
    mask = np.random.default_rng(3).random(base.shape) > 0.5
    assert convnet2_common.dropout_scale(base * mask * 2, base) == pytest.approx(2.0)
    assert convnet2_common.dropout_scale(base * mask, base) is None  # no rescaling is not a dropout for the layers
    assert convnet2_common.dropout_scale(base * mask, base, minimum=0.0) == pytest.approx(1.0)
    assert convnet2_common.dropout_scale(np.maximum(base - 1, 0), base) is None


@pytest.mark.parametrize("seed", range(5))
def test_an_iid_half_mask_passes_the_mask_tests(seed: int) -> None:
    kept = np.random.default_rng(seed).random((8, 1568)) > 0.5
    assert convnet2_dropout._mask_problem(kept, np.ones_like(kept)) == ""


def test_the_mask_tests_name_rate_and_dependence() -> None:
    rng = np.random.default_rng(4)
    usable = np.ones((8, 1568), bool)
    assert "p = 0.20" in convnet2_dropout._mask_problem(rng.random((8, 1568)) > 0.2, usable)
    channels = np.repeat(rng.random((8, 8)) > 0.5, 196, axis=1)  # nn.Dropout2d: whole maps
    assert "neighbouring features" in convnet2_dropout._mask_problem(channels, usable)
    one_mask = np.broadcast_to(rng.random(1568) > 0.5, (8, 1568))  # the same mask for every image
    assert "images of a batch" in convnet2_dropout._mask_problem(one_mask, usable)


def test_pooled_is_max_pool_of_relu() -> None:
    conv = np.random.default_rng(5).standard_normal((2, 8, 28, 28)).astype(np.float32)
    out = convnet2_common.pooled(conv)
    assert out.shape == (2, 1568)
    assert out[0, 0] == max(0.0, conv[0, 0, :2, :2].max())
