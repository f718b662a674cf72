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


ITEMS = ("Dropout", "BatchNorm", "ResidualBlock", "ResidualStack", "resnet", "run_epoch", "fit")


def failed_checks(result: GradeResult) -> dict[str, set[str]]:
    return {item.name: {c.name for c in item.checks if c.outcome == "failed"} for item in result.items}


def only(**failed: set[str]) -> dict[str, set[str]]:
    """Every item of the assignment, with the failed checks given and none elsewhere."""
    return {item: failed.get(item, set()) for item in ITEMS}


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


def test_the_reference_solution_gets_full_marks() -> None:
    result = grade(ROOT / "reference" / "resnet_cifar10.py", GradeOptions(assignment="resnet_cifar10"))
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
    assert failed == only(Dropout={"zero_fraction", "p_zero_identity"})
    zero_fraction = next(c for i in result.items for c in i.checks if c.name == "zero_fraction")
    assert "KEPT with probability p" in zero_fraction.message
    # The earlier, different Dropout is reported as replaced; the syntax error as a cell problem.
    assert any("defined again" in d.reason for d in result.extraction.dropped)
    assert any("SyntaxError" in p.message for p in result.extraction.cell_problems)


def test_percent_export_with_alias_and_no_eps() -> None:
    result = grade(SUBMISSIONS / "resnet_cifar10_batchnorm_no_eps.py")
    assert failed_checks(result) == only(BatchNorm={"constant_channel_finite"})


def test_training_loop_bugs_lose_only_their_checks() -> None:
    result = grade(SUBMISSIONS / "resnet_cifar10_loop_bugs.py")
    assert failed_checks(result) == only(run_epoch={"model_mode"},
                                         fit={"stops_after_patience", "restores_best_weights"})
    assert "off-by-one" in check(result, "fit", "stops_after_patience").message
    assert "deepcopy" in check(result, "fit", "restores_best_weights").message
