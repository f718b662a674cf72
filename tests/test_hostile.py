"""Hostile submissions, graded whole: each ends as lost points with a clear message.

A submission is one hostile item from ``tests/hostile/`` plus a correct
implementation of the other item from the catalog.  Whatever the hostile item does,
``grade()`` returns normally, the hostile item never gets full points, its failed
checks say what happened, and the other item still gets full points (rule 6).
Each submission is graded once per session (short limits; an item stops after two
time-outs) and the tests below read the same result.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.grade import GradeOptions, grade
from grader.results import GradeResult, ItemResult
from grader.sandbox.limits import Limits

pytestmark = pytest.mark.slow  # every test here starts worker processes

HERE = Path(__file__).parent
HOSTILE = HERE / "hostile"
GOOD = {
    "Dropout": HERE / "catalog" / "resnet_cifar10" / "Dropout" / "good_bernoulli_mask.py",
    "BatchNorm": HERE / "catalog" / "resnet_cifar10" / "BatchNorm" / "good_biased_var_eps_inside_sqrt.py",
}
LIMITS = Limits(request_timeout_s=2, load_timeout_s=2)


@dataclass(frozen=True)
class Case:
    item: str  #: the hostile item; the other one is correct
    words: tuple[str, ...]  #: every failed check of the hostile item says all of these
    must_fail: tuple[str, ...]  #: checks of the hostile item that have to fail


CASES = {
    "loop_at_import": Case("Dropout", ("HELPER",), ("shape_dtype", "values_zero_or_scaled", "zero_fraction")),
    "loop_in_forward": Case("Dropout", ("timed out",), ("shape_dtype", "values_zero_or_scaled", "zero_fraction",
                                                        "eval_identity", "gradient")),
    "exit_in_constant": Case("Dropout", ("KEEP_SCALE",), ("shape_dtype", "values_zero_or_scaled",
                                                          "zero_fraction")),
    "allclose_in_forward": Case("BatchNorm", ("replaced torch.allclose",), (
        "output_shape", "normalisation", "affine_applied", "eval_batch_statistics", "gradients",
        "constant_channel_finite", "input_unchanged", "no_torch_batchnorm")),
    "lying_tensor_subclass": Case("BatchNorm", ("subclass of torch.Tensor",), (
        "output_shape", "normalisation", "affine_applied", "eval_batch_statistics", "gradients",
        "constant_channel_finite")),
}

_graded: dict[str, GradeResult] = {}


def graded(name: str, tmp_path_factory: pytest.TempPathFactory) -> GradeResult:
    """Grade hostile/<name>.py + the correct other item (once per session)."""
    if name not in _graded:
        hostile = (HOSTILE / f"{name}.py").read_text(encoding="utf-8")
        item = CASES[name].item if name in CASES else "Dropout"
        other = "BatchNorm" if item == "Dropout" else "Dropout"
        path = tmp_path_factory.mktemp("hostile") / f"{name}.py"
        path.write_text(hostile + "\n# %%\n" + GOOD[other].read_text(encoding="utf-8"), encoding="utf-8")
        _graded[name] = grade(path, GradeOptions(assignment="resnet_cifar10", limits=LIMITS))
    return _graded[name]


def item_of(result: GradeResult, name: str) -> ItemResult:
    [item] = [i for i in result.items if i.name == name]
    return item


def failures(item: ItemResult) -> dict[str, str]:
    return {c.name: c.message for c in item.checks if c.outcome == "failed"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_item_fails_clearly_and_the_other_item_is_graded(
        name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    case = CASES[name]
    result = graded(name, tmp_path_factory)
    other = item_of(result, "BatchNorm" if case.item == "Dropout" else "Dropout")
    assert other.found_as is not None
    assert other.score == other.max_score > 0, failures(other)

    hostile = item_of(result, case.item)
    assert hostile.found_as == case.item, "the hostile definition was not found"
    assert hostile.score < hostile.max_score, "a hostile item got full points"
    failed = failures(hostile)
    missing = [c for c in case.must_fail if c not in failed]
    assert not missing, f"checks that passed on hostile code: {missing}"
    for check, message in failed.items():
        for word in case.words:
            assert word in message, f"{check}: {message!r} does not mention {word!r}"


def test_loop_at_import_is_reported_as_a_timed_out_statement(tmp_path_factory: pytest.TempPathFactory) -> None:
    result = graded("loop_at_import", tmp_path_factory)
    problems = [p.message for p in result.extraction.cell_problems if "timed out" in p.message]
    assert problems, result.extraction.cell_problems
    assert "statement skipped" in problems[0]
    assert result.sandbox.restarts >= 1


def test_exit_in_a_needed_statement_is_reported_and_costs_no_restart(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    result = graded("exit_in_constant", tmp_path_factory)
    problems = [p.message for p in result.extraction.cell_problems if "SystemExit" in p.message]
    assert problems, result.extraction.cell_problems
    assert "the rest of this notebook is not ready" in problems[0]
    assert result.sandbox.restarts == 0


def test_loop_in_forward_stops_after_two_timeouts(tmp_path_factory: pytest.TempPathFactory) -> None:
    result = graded("loop_in_forward", tmp_path_factory)
    failed = failures(item_of(result, "Dropout"))
    timed_out = [c for c, m in failed.items() if "timed out after 2 s" in m]
    fast = [c for c, m in failed.items() if m.startswith("not run:") and "2 times" in m]
    assert len(timed_out) == 2, failed
    assert len(fast) >= 5, failed
    assert result.sandbox.restarts == 2


def test_a_forward_that_never_returns_earns_no_points(tmp_path_factory: pytest.TempPathFactory) -> None:
    dropout = item_of(graded("loop_in_forward", tmp_path_factory), "Dropout")
    assert dropout.score == 0, {c.name: c.outcome for c in dropout.checks if c.outcome == "passed"}


@pytest.mark.parametrize("name, cause", [("loop_at_import", "timed out"), ("exit_in_constant", "SystemExit")])
def test_a_failed_dependency_fails_the_item_with_its_cause(
        name: str, cause: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    dropout = item_of(graded(name, tmp_path_factory), "Dropout")
    assert dropout.score == 0
    for check in dropout.checks:
        assert cause in check.message, f"{check.name}: {check.message!r}"


def test_torch_dropout_hidden_from_the_recorder_is_still_caught(tmp_path_factory: pytest.TempPathFactory) -> None:
    result = graded("hidden_torch_dropout", tmp_path_factory)
    assert item_of(result, "BatchNorm").score == item_of(result, "BatchNorm").max_score
    dropout = item_of(result, "Dropout")
    assert "no_torch_dropout" in failures(dropout)
