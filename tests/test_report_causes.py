"""grader.report.causes: failures that share a cause are said once, in every report format.

Built on the seed student's Dropout as the grader reports it (tests/report_samples.py); the
end-to-end run of the real notebook is at the bottom (slow).
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rich.console import Console

import report_samples as samples
from grader.report import render_terminal
from grader.report.causes import causes_by_check, find_causes
from grader.report.gradescope import to_gradescope_dict
from grader.report.html import to_html
from grader.report.junit import to_junit_xml
from grader.results import CheckResult, GradeResult

REPO = Path(__file__).resolve().parents[1]
TRACEBACK = "Traceback (your code, most recent call last):"
BROADCAST = ["zero_fraction", "independent_mask", "input_unchanged", "noncontiguous_input", "no_torch_dropout"]
SHAPE = ["values_zero_or_scaled", "p_zero_identity", "gradient"]


def failed(name: str, message: str, counterexample: str | None = None, **kw: object) -> CheckResult:
    return CheckResult(name, name, "failed", 0.0, 1.0, message, counterexample, **kw)  # type: ignore[arg-type]


def raised(name: str, text: str = "boom 3", where: str = "cell 8, line 32", kind: str = "RuntimeError",
           **kw: object) -> CheckResult:
    return failed(name, f"your code raised {kind}: {text} at {where}", f"{TRACEBACK}\n  {where}, in forward", **kw)


# -- the grouping itself -------------------------------------------------------------------------

def test_seed_dropout_has_two_causes_each_shown_once_with_its_smallest_input() -> None:
    broadcast, shape = sorted(find_causes(samples.seed_dropout_checks()), key=lambda c: len(c.checks), reverse=True)
    assert list(broadcast.checks) == BROADCAST
    assert broadcast.title == "RuntimeError at cell 8, line 32"
    assert broadcast.shown_by == "input_unchanged"  # tensors of 3 and 2, not 500 and 200
    assert "tensor a (3)" in broadcast.message and broadcast.counterexample.startswith(TRACEBACK)
    assert list(shape.checks) == SHAPE
    assert shape.title == "wrong output shape (2, 2)"
    assert shape.shown_by == "values_zero_or_scaled" and shape.counterexample == "input shape (2, 1), p = 0.0"


def test_causes_come_in_the_order_of_their_first_check() -> None:
    causes = find_causes(samples.seed_dropout_checks())
    assert [c.first for c in causes] == ["values_zero_or_scaled", "zero_fraction"]
    assert set(causes_by_check(causes)) == set(BROADCAST + SHAPE)


@pytest.mark.parametrize("other", [
    raised("b", where="cell 8, line 33"),                    # another line
    raised("b", where="cell 9, line 32"),                    # another cell
    raised("b", kind="ValueError"),                          # another exception type
    raised("b", text="bang 3"),                              # another message, not only other numbers
    raised("b", visibility="hidden"),                        # a hidden check never shares a visible one's text
    failed("b", "forward returned shape (2, 3); expected the input's shape"),  # not an exception
    failed("b", "the output dtype must equal the input dtype"),                # an explanation of its own
    dataclasses.replace(raised("b"), outcome="warning"),     # not a failure
], ids=["line", "cell", "type", "text", "visibility", "shape", "message", "warning"])
def test_distinct_causes_are_not_merged(other: CheckResult) -> None:
    assert find_causes([raised("a"), other]) == ()


def test_same_exception_with_other_sizes_at_the_same_line_is_one_cause() -> None:
    [cause] = find_causes([raised("a", "size 500 vs 200"), raised("b", "size 3 vs 2")])
    assert cause.checks == ("a", "b") and cause.shown_by == "b"


def test_an_exception_without_a_location_is_kept_apart() -> None:
    checks = [failed(n, "your code raised RuntimeError: boom") for n in "ab"]
    assert find_causes(checks) == ()


def test_shapes_group_only_when_the_wrong_shape_and_the_expectation_agree() -> None:
    same = [failed(n, f"f(p={p}) returned shape (2, 2); expected the input's shape") for n, p in (("a", 1), ("b", 2))]
    assert [c.checks for c in find_causes(same)] == [("a", "b")]
    other = failed("c", "f returned shape (2, 3); expected the input's shape")
    assert [c.checks for c in find_causes([same[0], other])] == []
    expectation = failed("d", "f returned shape (2, 2); expected (2, 1)")
    assert [c.checks for c in find_causes([same[0], expectation])] == []


def test_a_lone_failure_is_not_a_shared_cause() -> None:
    assert find_causes([raised("a"), failed("b", "wrong values")]) == ()


# -- every format says each cause once; points unchanged --------------------------------------------

def _terminal(result: GradeResult) -> str:
    console = Console(record=True, width=100, color_system=None, file=io.StringIO())
    render_terminal(result, console)
    return console.export_text()


def _gradescope(result: GradeResult) -> str:
    return "\n".join(t["output"] for t in to_gradescope_dict(result)["tests"])


FORMATS = {"terminal": _terminal, "gradescope": _gradescope, "junit": to_junit_xml, "html": to_html}


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_says_the_seed_dropouts_causes_once(fmt: str) -> None:
    text = FORMATS[fmt](samples.one_cause())
    assert text.count(TRACEBACK) == 1
    assert text.count("same cause as above") >= len(BROADCAST) + len(SHAPE) - 2
    for size in ("(500)", "(16)"):  # the larger inputs' messages are not repeated
        assert size not in text
    assert "the output dtype must equal the input dtype" in text  # distinct causes keep their own text
    assert "the mask is created on a different device" in text


def test_gradescope_points_and_statuses_are_unchanged() -> None:
    result = samples.one_cause()
    tests = to_gradescope_dict(result)["tests"]
    checks = result.items[0].checks
    assert [t["score"] for t in tests] == [c.points for c in checks]
    assert [t["max_score"] for t in tests] == [c.max_points for c in checks]
    assert [t["status"] for t in tests] == ["passed" if c.outcome == "passed" else "failed" for c in checks]
    first = {t["name"].split(" › ")[1]: t["output"] for t in tests}
    assert TRACEBACK in first["zero_fraction"] and "input_unchanged" in first["zero_fraction"]
    assert "same cause as above" in first["no_torch_dropout"] and "zero_fraction" in first["no_torch_dropout"]


def test_junit_failures_stay_failures_and_refer_to_the_first() -> None:
    root = ET.fromstring(to_junit_xml(samples.one_cause()).split("\n", 1)[1])
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert root.get("failures") == "10"
    assert cases["independent_mask"].find("failure").get("message").startswith("same cause as above")
    assert "zero_fraction" in cases["independent_mask"].find("failure").text
    assert TRACEBACK in cases["zero_fraction"].find("failure").text


# -- the real notebook ------------------------------------------------------------------------------

@pytest.mark.slow
def test_seed_students_dropout_says_the_broadcasting_error_once_in_every_format(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR")}
    files = {fmt: tmp_path / name for fmt, name in
             (("json", "r.json"), ("gradescope", "gs.json"), ("junit", "j.xml"), ("html", "r.html"))}
    run = subprocess.run([sys.executable, "-m", "grader", "grade", "submissions/resnet_cifar10_seed_student.ipynb",
                          "--item", "Dropout", *[a for fmt, p in files.items() for a in (f"--{fmt}", str(p))]],
                         cwd=REPO, env=env | {"TERM": "dumb"}, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    own = json.loads(files["json"].read_text(encoding="utf-8"))
    raw = "\n".join(f"{c['message']}\n{c['counterexample']}" for c in own["items"][0]["checks"])
    assert raw.count(TRACEBACK) >= 5  # the grader's own results keep every check's failure as it was
    texts = {"terminal": run.stdout, "html": files["html"].read_text(encoding="utf-8"),
             "junit": files["junit"].read_text(encoding="utf-8"),
             "gradescope": "\n".join(t["output"] for t in json.loads(files["gradescope"].read_text())["tests"])}
    for fmt, text in texts.items():
        assert text.count(TRACEBACK) == 1, fmt
        assert text.count("RuntimeError at cell 8, line 32") >= 2, fmt  # said once, referred to
    gradescope = json.loads(files["gradescope"].read_text(encoding="utf-8"))
    assert [t["score"] for t in gradescope["tests"]] == [c["points"] for c in own["items"][0]["checks"]]
