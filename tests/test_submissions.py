"""The example submissions get the grades their README promises, reproducibly."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.grade import GradeOptions, grade
from grader.report.json_report import to_json_text
from grader.results import GradeResult

ROOT = Path(__file__).parent.parent
SUBMISSIONS = ROOT / "submissions"
pytestmark = pytest.mark.slow


def failed_checks(result: GradeResult) -> dict[str, set[str]]:
    return {item.name: {c.name for c in item.checks if c.outcome == "failed"} for item in result.items}


def only(result: GradeResult, **failed: set[str]) -> dict[str, set[str]]:
    """Every item of the result's assignment, with the failed checks given and none elsewhere."""
    return {item.name: failed.get(item.name, set()) for item in result.items}


def check(result: GradeResult, item: str, name: str):  # noqa: ANN201 - a CheckResult
    return next(c for i in result.items if i.name == item for c in i.checks if c.name == name)


@pytest.fixture(scope="module")
def full_marks() -> GradeResult:
    return grade(SUBMISSIONS / "resnet_cifar10_full_marks.ipynb")


def test_full_marks_example_gets_full_marks(full_marks: GradeResult) -> None:
    assert full_marks.assignment == "resnet_cifar10"  # detected, not given
    assert full_marks.score == full_marks.max_score > 0
    assert not full_marks.extraction.missing


def test_regrading_gives_byte_identical_json(full_marks: GradeResult) -> None:
    again = grade(SUBMISSIONS / "resnet_cifar10_full_marks.ipynb")
    assert to_json_text(again) == to_json_text(full_marks)


@pytest.mark.parametrize("assignment", ["resnet_cifar10", "mnist_logreg_cnn", "lenet_mnist"])
def test_the_reference_solution_gets_full_marks(assignment: str) -> None:
    result = grade(ROOT / "reference" / f"{assignment}.py", GradeOptions(assignment=assignment))
    assert result.score == result.max_score


def test_seed_student_is_caught() -> None:
    result = grade(SUBMISSIONS / "resnet_cifar10_seed_student.ipynb")
    failed = failed_checks(result)
    assert {item for item, checks in failed.items() if checks} == {"Dropout", "BatchNorm", "resnet", "run_epoch"}
    assert {"shape_dtype", "device_agnostic"} <= failed["Dropout"]
    assert {"output_shape", "gradients"} <= failed["BatchNorm"]
    batchnorm = next(i for i in result.items if i.name == "BatchNorm")
    shape_check = next(c for c in batchnorm.checks if c.name == "output_shape")
    # The message names the input shape that broke the hard-coded .view(1, 2, 1).
    assert "on input of shape (2, 1, 1)" in shape_check.message
    assert "[1, 2, 1]" in shape_check.message
    # Their blocks and stacks are right; the network around them is not.
    assert failed["ResidualBlock"] == failed["ResidualStack"] == set()
    assert {"parameter_count", "stem", "stages"} <= failed["resnet"]
    count = check(result, "resnet", "parameter_count").message
    assert "952,570" in count and "464,154" in count and "2n = 10 blocks" in count
    assert check(result, "resnet", "batch_of_one").outcome == "warning"
    # Gradients enabled in evaluation; `epoch == max_epochs` in fit is dead code, not a bug.
    assert "no_grad_in_evaluation" in failed["run_epoch"]
    assert failed["fit"] == set()


def test_dropout_keeping_p_loses_only_dropout_points() -> None:
    result = grade(SUBMISSIONS / "resnet_cifar10_dropout_keeps_p.ipynb")
    failed = failed_checks(result)
    assert failed == only(result, Dropout={"zero_fraction", "p_zero_identity"})
    zero_fraction = next(c for i in result.items for c in i.checks if c.name == "zero_fraction")
    assert "KEPT with probability p" in zero_fraction.message
    # The earlier, different Dropout is reported as replaced; the syntax error as a cell problem.
    assert any("defined again" in d.reason for d in result.extraction.dropped)
    assert any("SyntaxError" in p.message for p in result.extraction.cell_problems)


def test_percent_export_with_alias_and_no_eps() -> None:
    result = grade(SUBMISSIONS / "resnet_cifar10_batchnorm_no_eps.py")
    assert failed_checks(result) == only(result, BatchNorm={"constant_channel_finite"})


def test_training_loop_bugs_lose_only_their_checks() -> None:
    result = grade(SUBMISSIONS / "resnet_cifar10_loop_bugs.py")
    assert failed_checks(result) == only(result, run_epoch={"model_mode"},
                                         fit={"stops_after_patience", "restores_best_weights"})
    assert "off-by-one" in check(result, "fit", "stops_after_patience").message
    assert "deepcopy" in check(result, "fit", "restores_best_weights").message


# -- MNIST: logistic regression and dropout CNNs (seed 003) ------------------------------------

def test_mnist_full_marks_example() -> None:
    result = grade(SUBMISSIONS / "mnist_logreg_cnn_full_marks.ipynb")
    assert result.assignment == "mnist_logreg_cnn"  # detected, not given
    assert result.score == result.max_score > 0
    assert all(c.outcome == "passed" for i in result.items for c in i.checks)


def test_mnist_seed_student_loses_only_the_global_input_size() -> None:
    result = grade(SUBMISSIONS / "mnist_logreg_cnn_seed_student.ipynb")
    assert result.assignment == "mnist_logreg_cnn"
    assert failed_checks(result) == only(result, MultinomialLogisticRegression={"output_shape"})
    assert "input_size" in check(result, "MultinomialLogisticRegression", "output_shape").message


def test_mnist_common_bugs_each_cost_their_own_check() -> None:
    result = grade(SUBMISSIONS / "mnist_logreg_cnn_common_bugs.py")
    assert failed_checks(result) == only(result, MultinomialLogisticRegression={"no_softmax"},
                                         ConvNet2={"dropout_placement"}, train={"uses_model_argument"})
    assert "`net`" in check(result, "train", "uses_model_argument").message
    assert "between the two linear layers" in check(result, "ConvNet2", "dropout_placement").message


# -- LeNet and backprop_deep (seed 004) --------------------------------------------------------

def test_lenet_full_marks_example() -> None:
    result = grade(SUBMISSIONS / "lenet_mnist_full_marks.ipynb")
    assert result.assignment == "lenet_mnist"
    assert result.score == result.max_score > 0
    assert all(c.outcome == "passed" for i in result.items for c in i.checks)


def test_lenet5_padding_fails_the_architecture_with_256_vs_400() -> None:
    result = grade(SUBMISSIONS / "lenet_mnist_lenet5_padding.ipynb")
    assert result.assignment == "lenet_mnist"
    assert failed_checks(result) == only(result, LeNet={"parameter_count", "layer_shapes"})
    message = check(result, "LeNet", "parameter_count").message
    assert "61,706" in message and "44,426" in message and "256" in message and "400" in message


def test_backprop_bugs_hard_coded_lr_and_one_permutation() -> None:
    result = grade(SUBMISSIONS / "lenet_mnist_backprop_bugs.py")
    assert failed_checks(result) == only(result, backprop_deep={"sgd_updates", "reshuffles_each_epoch"})
    assert "0.001" in check(result, "backprop_deep", "sgd_updates").message
