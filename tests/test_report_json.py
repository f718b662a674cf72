"""grader.report.json_report: the project's own results file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.report import write_json
from grader.report.json_report import SCHEMA, to_json_dict, to_json_text
from grader.results import CheckResult, ExtractionSummary, GradeResult, ItemResult, SandboxSummary


import report_samples as samples

CHECK_KEYS = ["name", "description", "outcome", "passed", "points", "max_points", "message", "counterexample", "visibility"]
ITEM_KEYS = ["name", "found_as", "location", "score", "max_score", "message", "checks"]


def test_top_level_layout_and_key_order() -> None:
    data = to_json_dict(samples.mixed())
    assert list(data) == ["schema", "assignment", "submission", "score", "max_score", "items", "extraction", "sandbox", "warnings"]
    assert data["schema"] == SCHEMA == "grader-results/1"
    assert data["assignment"] == "dropout_bn"
    assert data["submission"] == "submissions/bob <draft>.ipynb"
    assert data["warnings"] == ["The notebook has unexecuted cells."]
    for item in data["items"]:
        assert list(item) == ITEM_KEYS
        for check in item["checks"]:
            assert list(check) == CHECK_KEYS


def test_scores_are_rounded_floats_that_add_up() -> None:
    data = to_json_dict(samples.mixed())
    assert data["score"] == 2.3333 and data["max_score"] == 10.3333
    dropout, batchnorm = data["items"]
    assert (dropout["score"], dropout["max_score"]) == (2.3333, 5.3333)
    assert (batchnorm["score"], batchnorm["max_score"]) == (0.0, 5.0)
    numbers = [data["score"], data["max_score"]] + [
        value for item in data["items"] for value in [item["score"], item["max_score"]]
    ] + [value for item in data["items"] for c in item["checks"] for value in [c["points"], c["max_points"]]]
    assert all(type(v) is float for v in numbers)
    text = to_json_text(samples.full_marks())
    assert '"score": 10.0,' in text and '"points": 2.0,' in text  # whole numbers always written the same way


def test_checks_carry_outcome_passed_flag_and_details() -> None:
    dropout, batchnorm = to_json_dict(samples.mixed())["items"]
    by_name = {c["name"]: c for c in dropout["checks"]}
    assert [c["outcome"] for c in dropout["checks"]] == ["passed", "failed", "warning", "skipped", "passed"]
    assert [c["passed"] for c in dropout["checks"]] == [True, False, False, False, True]
    assert by_name["scaled"]["counterexample"].startswith("p=0.5, x=tensor([1., 1.])")
    assert by_name["scaled"]["message"].endswith("</failure> & <x>")
    assert by_name["zero_fraction"]["counterexample"] is None
    assert by_name["partial"]["visibility"] == "after_due_date"
    assert dropout["found_as"] == "MyDropout" and dropout["location"] == "cell 7, line 1"
    assert batchnorm["found_as"] is None and batchnorm["location"] is None
    assert "BatchNorm" in batchnorm["message"]
    assert batchnorm["checks"][1]["visibility"] == "hidden"


def test_extraction_and_sandbox_have_every_field() -> None:
    data = to_json_dict(samples.mixed())
    ex, sb = data["extraction"], data["sandbox"]
    assert list(ex) == ["kept", "dropped", "missing", "cell_problems", "aliases"]
    assert ex["kept"] == ["cell 1, line 1: import torch", "cell 7, line 1: class MyDropout(nn.Module):"]
    assert ex["dropped"][0] == {"cell": 9, "line": 1, "summary": "trainer.fit(model, loader, epochs=50)", "reason": "training call"}
    assert ex["missing"] == ["BatchNorm"]
    assert ex["cell_problems"] == [
        {"cell": 12, "line": 4, "message": "SyntaxError: invalid syntax"},
        {"cell": 13, "line": None, "message": "cell is not valid JSON"},
    ]
    assert ex["aliases"] == [{"item": "Dropout", "graded_as": "MyDropout"}]
    assert list(sb) == ["limits_applied", "limits_not_applied", "stdout", "stderr", "restarts"]
    assert sb["limits_not_applied"] == ["memory limit: RLIMIT_AS is not supported on this platform"]
    assert sb["restarts"] == 1


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_no_durations_or_timestamps() -> None:
    keys = _keys(to_json_dict(samples.mixed()))
    assert not {k for k in keys if "duration" in k or "time" in k or "date" in k}
    assert "12.5" not in to_json_text(samples.mixed(duration_s=12.5))


@pytest.mark.parametrize("build", [samples.full_marks, samples.mixed, samples.missing_without_checks])
def test_round_trips_through_json(build) -> None:
    result = build()
    assert json.loads(to_json_text(result)) == to_json_dict(result)


def test_student_text_survives_exactly_except_lone_surrogates(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    write_json(samples.mixed(), path)
    raw = path.read_bytes()
    raw.decode("utf-8")  # valid UTF-8 even though stdout held a lone surrogate
    stdout = json.loads(raw)["sandbox"]["stdout"]
    assert stdout == samples.NASTY_STDOUT.replace("\udcff", "\ufffd")
    assert "\\u001b[31m" in raw.decode("utf-8")  # control characters are JSON-escaped, not dropped
    assert "unicode stays: Σ ü 🙂" in raw.decode("utf-8")  # ensure_ascii=False


def test_write_is_deterministic_and_ignores_durations(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "results.json", tmp_path / "b" / "results.json"
    write_json(samples.mixed(duration_s=0.5), first)
    write_json(samples.mixed(duration_s=987.25), second)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes().endswith(b"}\n")
    assert first.read_bytes().decode("utf-8") == to_json_text(samples.mixed())
    assert [p.name for p in first.parent.iterdir()] == ["results.json"]  # no temporary file left behind


def test_overwrites_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text("stale")
    write_json(samples.full_marks(), path)
    assert json.loads(path.read_text(encoding="utf-8"))["score"] == 10.0


def test_non_finite_points_are_refused_with_the_value_named() -> None:
    bad = GradeResult(
        assignment="a",
        submission="s.ipynb",
        items=(ItemResult("X", "X", None, (CheckResult("c", "d", "passed", float("nan"), 1.0),)),),
        extraction=ExtractionSummary((), (), (), ()),
        sandbox=SandboxSummary((), ()),
    )
    with pytest.raises(ValueError, match="nan"):
        to_json_dict(bad)


def test_negative_zero_is_written_as_zero() -> None:
    result = GradeResult(
        assignment="a",
        submission="s.ipynb",
        items=(ItemResult("X", "X", None, (CheckResult("c", "d", "failed", -0.0, 1.0),)),),
        extraction=ExtractionSummary((), (), (), ()),
        sandbox=SandboxSummary((), ()),
    )
    assert '"points": 0.0,' in to_json_text(result)
