"""grader.report.gradescope: Gradescope's autograder results.json.

Validated against the fields documented in Gradescope's autograder specification
("Output format", https://gradescope-autograders.readthedocs.io/en/latest/specs/).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from grader.report import write_gradescope
from grader.report.gradescope import to_gradescope_dict, to_gradescope_text


import report_samples as samples

# The documented fields, and the types Gradescope expects for them.
TOP_LEVEL = {
    "score": (int, float),
    "execution_time": (int, float),
    "output": str,
    "output_format": str,
    "test_output_format": str,
    "test_name_format": str,
    "visibility": str,
    "stdout_visibility": str,
    "extra_data": dict,
    "tests": list,
    "leaderboard": list,
}
PER_TEST = {
    "score": (int, float),
    "max_score": (int, float),
    "status": str,
    "name": str,
    "name_format": str,
    "number": str,
    "output": str,
    "output_format": str,
    "tags": list,
    "visibility": str,
    "extra_data": dict,
}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
STATUSES = {"passed", "failed"}


def _validate(doc: dict[str, Any]) -> None:
    """Every field is documented and of the documented type; enumerations hold documented values."""
    assert set(doc) <= set(TOP_LEVEL), set(doc) - set(TOP_LEVEL)
    for key, value in doc.items():
        assert isinstance(value, TOP_LEVEL[key]), (key, value)
    assert "score" in doc or all("score" in t for t in doc["tests"])
    for key in ("output_format", "test_output_format", "test_name_format"):
        if key in doc:
            assert doc[key] in FORMATS
    for key in ("visibility", "stdout_visibility"):
        if key in doc:
            assert doc[key] in VISIBILITIES
    for test in doc.get("tests", []):
        assert set(test) <= set(PER_TEST), set(test) - set(PER_TEST)
        for key, value in test.items():
            assert isinstance(value, PER_TEST[key]) and not isinstance(value, bool), (key, value)
        assert test.get("status", "passed") in STATUSES
        assert test.get("visibility", "visible") in VISIBILITIES
        for key in ("output_format", "name_format"):
            assert test.get(key, "text") in FORMATS
        assert 0 <= test["score"] <= test["max_score"] or test["max_score"] == 0 == test["score"]


@pytest.mark.parametrize("build", [samples.full_marks, samples.mixed, samples.missing_without_checks])
def test_only_documented_fields_with_documented_types(build) -> None:
    doc = to_gradescope_dict(build())
    _validate(doc)
    _validate(json.loads(to_gradescope_text(build())))
    assert doc["stdout_visibility"] == "hidden"
    assert "execution_time" not in doc
    for test in doc["tests"]:
        assert test["name_format"] == "text"
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(test)


def test_one_test_per_check_with_readable_names() -> None:
    doc = to_gradescope_dict(samples.mixed())
    assert [t["name"] for t in doc["tests"]] == [
        "Dropout › zero_fraction",
        "Dropout › scaled",
        "Dropout › no_inplace",
        "Dropout › cuda",
        "Dropout › partial",
        "BatchNorm › running_stats",
        "BatchNorm › normalizes",
    ]


def test_scores_sum_to_the_total() -> None:
    for build in (samples.full_marks, samples.mixed, samples.missing_without_checks):
        result = build()
        doc = to_gradescope_dict(result)
        assert math.isclose(doc["score"], result.score, abs_tol=1e-4)
        assert math.isclose(sum(t["score"] for t in doc["tests"]), doc["score"], abs_tol=1e-4)
        assert math.isclose(sum(t["max_score"] for t in doc["tests"]), result.max_score, abs_tol=1e-4)
    assert to_gradescope_dict(samples.full_marks())["score"] == 10.0
    assert to_gradescope_dict(samples.mixed())["score"] == 2.3333


def test_statuses_and_outputs() -> None:
    tests = {t["name"].split(" › ")[1]: t for t in to_gradescope_dict(samples.mixed())["tests"]}
    assert tests["zero_fraction"]["status"] == "passed" and tests["zero_fraction"]["score"] == 2.0

    failed = tests["scaled"]
    assert (failed["status"], failed["score"], failed["max_score"]) == ("failed", 0.0, 2.0)
    assert "expected [2.0, 0.0] but got [1.0, 0.0]" in failed["output"]
    assert "Counterexample:\np=0.5, x=tensor([1., 1.])" in failed["output"]

    warning = tests["no_inplace"]
    assert (warning["status"], warning["score"], warning["max_score"]) == ("passed", 0.0, 0.0)
    assert "modified its input in place" in warning["output"]

    skipped = tests["cuda"]
    assert (skipped["status"], skipped["score"], skipped["max_score"]) == ("failed", 0.0, 1.0)
    assert "Skipped" in skipped["output"] and "no GPU" in skipped["output"]

    assert tests["partial"]["visibility"] == "after_due_date"
    assert tests["normalizes"]["visibility"] == "hidden"


def test_checks_of_a_missing_item_fail_with_the_item_message() -> None:
    tests = to_gradescope_dict(samples.mixed())["tests"]
    batchnorm = [t for t in tests if t["name"].startswith("BatchNorm")]
    assert len(batchnorm) == 2
    for test in batchnorm:
        assert test["status"] == "failed" and test["score"] == 0.0
        assert "No class or function named BatchNorm" in test["output"]


def test_missing_item_without_checks_still_shows() -> None:
    doc = to_gradescope_dict(samples.missing_without_checks())
    assert doc["tests"] == [
        {
            "name": "ResNet",
            "name_format": "text",
            "score": 0.0,
            "max_score": 0.0,
            "status": "failed",
            "output": "ResNet is not defined.",
            "output_format": "text",
            "visibility": "visible",
        }
    ]


def test_summary_output_has_score_and_extraction_notes() -> None:
    output = to_gradescope_dict(samples.mixed())["output"]
    assert output.startswith("dropout_bn: 2.33 / 10.33 points")
    assert "Dropout: graded MyDropout (cell 7, line 1)" in output
    assert "BatchNorm: not found" in output
    assert "left out 2" in output
    assert "cell 9, line 1: trainer.fit(model, loader, epochs=50) (training call)" in output
    assert "cell 12, line 4: SyntaxError: invalid syntax" in output
    assert "The notebook has unexecuted cells." in output


def test_student_output_is_shown_inert() -> None:
    output = to_gradescope_dict(samples.mixed())["output"]
    assert "Your code printed:" in output
    assert "\\x1b[31mred\\x1b[0m NUL:\\x00 bell:\\x07" in output
    assert not any(ord(ch) < 0x20 and ch not in "\n\t" for ch in output)
    assert "\udcff" not in output and "\\udcff" in output
    assert "epoch 1\npoch 2" in output  # carriage-return updates become lines


def test_full_marks_output_mentions_no_problems() -> None:
    doc = to_gradescope_dict(samples.full_marks())
    assert all(t["status"] == "passed" for t in doc["tests"])
    assert "not found" not in doc["output"] and "printed" not in doc["output"]
    assert doc["extra_data"]["limits_applied"] == ["cpu time 60 s", "memory 4 GiB", "no network"]


def test_write_is_deterministic_utf8_json(tmp_path: Path) -> None:
    first, second = tmp_path / "one.json", tmp_path / "results" / "results.json"
    write_gradescope(samples.mixed(duration_s=1.0), first)
    write_gradescope(samples.mixed(duration_s=250.0), second)
    assert first.read_bytes() == second.read_bytes()
    assert json.loads(first.read_bytes().decode("utf-8")) == to_gradescope_dict(samples.mixed())


# --- against a JSON Schema of the specification (tests/gradescope_schema.py), and results that are not grades


def test_results_match_the_schema_and_hidden_tests_do_not_leak() -> None:
    from gradescope_schema import validate_results

    for build in (samples.full_marks, samples.mixed, samples.missing_without_checks):
        validate_results(json.loads(to_gradescope_text(build())))
    doc = to_gradescope_dict(samples.mixed())
    assert any(t["visibility"] == "hidden" and t["status"] == "failed" for t in doc["tests"])


@pytest.mark.parametrize("spoil", [
    lambda d: d.update(score=d["score"] + 1),  # score is not the sum of the tests
    lambda d: d["tests"][0].update(visibility="students"),  # not a documented visibility
    lambda d: d["tests"][0].update(status="error"),  # not a documented status
    lambda d: d.update(colour="red"),  # not a documented key
    lambda d: d["tests"][0].update(score="2"),  # not a number
    lambda d: d.update(output=d["output"] + "\n" + next(t["name"] for t in d["tests"] if t["visibility"] == "hidden")),
])
def test_the_schema_refuses_what_gradescope_would_not_take(spoil) -> None:
    import jsonschema
    from gradescope_schema import validate_results

    doc = to_gradescope_dict(samples.mixed())
    spoil(doc)
    with pytest.raises((AssertionError, jsonschema.ValidationError)):
        validate_results(doc)


def test_error_results_have_a_score_and_the_message(tmp_path: Path) -> None:
    from gradescope_schema import validate_results
    from grader.report.gradescope import error_dict, write_gradescope_error

    doc = error_dict("no notebook was uploaded\x1b[31m", assignment="lenet_mnist")
    validate_results(doc)
    assert (doc["score"], doc["tests"], doc["stdout_visibility"]) == (0.0, [], "hidden")
    assert doc["output"] == "no notebook was uploaded\\x1b[31m"
    write_gradescope_error("broken", tmp_path / "results" / "results.json")
    assert json.loads((tmp_path / "results" / "results.json").read_text(encoding="utf-8"))["output"] == "broken"
