"""Checks that declare a requirement (``requires=("cuda",)``): skipped with the reason when it is unmet,
in every output format and left out of the maximum; run when it is met; CUDA found without initialising it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from rich.console import Console

from grader.checks import requirements
from grader.checks.core import Check, CheckFailed, ItemContext, run_check
from grader.grade import GradeOptions, grade
from grader.report.gradescope import to_gradescope_dict
from grader.report.html import to_html
from grader.report.json_report import to_json_dict
from grader.report.junit import to_junit_xml
from grader.report.terminal import render_terminal
from grader.results import ExtractionSummary, GradeResult, ItemResult, SandboxSummary

CATALOG = Path(__file__).parent / "catalog" / "resnet_cifar10"


def _context(available: frozenset[str]) -> ItemContext:
    sandbox = SimpleNamespace(budget_left=lambda: 60.0, limits=SimpleNamespace(submission_timeout_s=60.0))
    return ItemContext(sandbox=sandbox, item="Layer", name="Layer", available=available)  # type: ignore[arg-type]


def _holds(ctx: ItemContext) -> None:
    return None


def _fails(ctx: ItemContext) -> None:
    raise CheckFailed("the property does not hold")


GPU_CHECK = Check("on_gpu", "works on a GPU", 2, _holds, requires=("cuda",))
FAILING_GPU_CHECK = Check("on_gpu_fails", "fails on a GPU", 3, _fails, requires=("cuda",))
PLAIN_CHECK = Check("plain", "always run", 1, _holds)


def _result(checks: tuple) -> GradeResult:
    item = ItemResult("Layer", "Layer", "cell 1, line 1", checks)
    return GradeResult("demo", "sub.ipynb", (item,), ExtractionSummary((), (), (), ()), SandboxSummary((), ()))


def test_unmet_requirement_is_skipped_with_the_reason_and_left_out_of_the_maximum() -> None:
    ctx = _context(frozenset())
    results = tuple(run_check(c, ctx) for c in (PLAIN_CHECK, GPU_CHECK, FAILING_GPU_CHECK))
    assert [r.outcome for r in results] == ["passed", "skipped", "skipped"]  # never failed, never passed
    assert [r.max_points for r in results] == [1, 0, 0]
    assert results[1].message.startswith("no CUDA device")
    assert _result(results).max_score == 1 and _result(results).score == 1


def test_met_requirement_runs_the_check() -> None:
    ctx = _context(frozenset({"cuda"}))
    passed, failed = run_check(GPU_CHECK, ctx), run_check(FAILING_GPU_CHECK, ctx)
    assert (passed.outcome, passed.points, passed.max_points) == ("passed", 2, 2)
    assert (failed.outcome, failed.points, failed.max_points) == ("failed", 0, 3)
    assert "does not hold" in failed.message


def test_unknown_requirement_is_refused_when_the_check_is_declared() -> None:
    with pytest.raises(ValueError, match="unknown requirement"):
        Check("typo", "", 1, _holds, requires=("cdua",))


def test_skips_are_reported_in_every_format() -> None:
    ctx = _context(frozenset())
    result = _result(tuple(run_check(c, ctx) for c in (PLAIN_CHECK, GPU_CHECK, FAILING_GPU_CHECK)))
    note = "2 checks skipped: no CUDA device; the maximum excludes them"

    console = Console(record=True, width=200, color_system=None)
    render_terminal(result, console)
    text = console.export_text()
    assert note in text and "○ on_gpu" in text and "Skipped: no CUDA device" in text and "1/1" in text

    checks = {c["name"]: c for c in to_json_dict(result)["items"][0]["checks"]}
    assert checks["on_gpu"]["outcome"] == "skipped" and checks["on_gpu"]["max_points"] == 0
    assert to_json_dict(result)["max_score"] == 1

    suite = ET.fromstring(to_junit_xml(result)).find("testsuite")
    assert suite is not None and suite.get("skipped") == "2" and suite.get("failures") == "0"
    skipped = [case.find("skipped") for case in suite.iter("testcase") if case.find("skipped") is not None]
    assert len(skipped) == 2 and all(s.get("message", "").startswith("no CUDA device") for s in skipped)
    assert note in to_junit_xml(result)

    gradescope = to_gradescope_dict(result)
    gpu = next(t for t in gradescope["tests"] if "on_gpu_fails" in t["name"])
    assert gpu["max_score"] == 0 and gpu["status"] == "passed" and "Skipped" in gpu["output"], gpu
    assert note in gradescope["output"]

    html = to_html(result)
    assert note in html and html.count("no CUDA device") >= 3  # the note and each skipped check's reason


def test_no_note_when_nothing_was_skipped() -> None:
    result = _result((run_check(PLAIN_CHECK, _context(frozenset())),))
    assert "skipped" not in to_gradescope_dict(result)["output"]


def test_grade_skips_the_gpu_checks_of_a_missing_item(tmp_path: Path) -> None:
    """Skipped, not failed, even where every other check of the item fails (a found item's skips: test_smoke)."""
    submission = tmp_path / "only_batchnorm.py"
    submission.write_text((CATALOG / "BatchNorm" / "good_params_shape_C1.py").read_text())
    result = grade(submission, GradeOptions(assignment="resnet_cifar10", items=("Dropout",), available=frozenset()))
    [item] = result.items
    outcomes = {c.name: c.outcome for c in item.checks}
    assert item.found_as is None and outcomes.pop("cuda_forward") == outcomes.pop("cuda_speed") == "skipped"
    assert set(outcomes.values()) == {"failed"}
    assert result.score == 0 and result.max_score == sum(c.max_points for c in item.checks) > 0


def test_cuda_is_found_through_nvml_without_initialising_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def initialises(*args: object) -> int:
        raise AssertionError("cudaGetDeviceCount (cuInit) must not be called by the judge")

    monkeypatch.setattr(torch._C, "_cuda_getDeviceCount", initialises, raising=False)
    monkeypatch.setattr(requirements.glob, "glob", lambda pattern: [])
    assert requirements._cuda_present() is False  # no device nodes: torch is not even asked
    monkeypatch.setattr(requirements.glob, "glob", lambda pattern: [pattern.replace("[0-9]*", "0")])
    monkeypatch.setattr(torch.version, "cuda", "13.0")
    monkeypatch.setattr(torch.backends.cuda, "is_built", lambda: True)
    for count, present in ((1, True), (0, False), (-1, False)):  # -1: NVML failed; no fallback to cuInit
        monkeypatch.setattr(torch.cuda, "_device_count_nvml", lambda count=count: count)
        assert requirements._cuda_present() is present
    assert not torch.cuda.is_initialized()


def test_detect_on_this_machine_matches_its_device_nodes() -> None:
    has_nodes = Path("/dev/nvidiactl").exists()
    assert ("cuda" in requirements.detect()) <= has_nodes
    assert not torch.cuda.is_initialized()


def test_executors_start_for_cuda_only_when_a_check_to_run_needs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A GPU executor gives up the address-space limit (Limits.gpu): only where a CUDA check will run."""
    import grader.grade as grade_module

    class Started(Exception):
        pass

    seen: list[bool] = []

    def sandboxes(extraction: object, limits: object) -> None:
        seen.append(getattr(limits, "gpu"))
        raise Started

    monkeypatch.setattr(grade_module, "ItemSandboxes", sandboxes)
    lenet = Path(__file__).parent / "catalog" / "lenet_mnist" / "LeNet" / "good_module_dict.py"
    for smoke, available in ((False, {"cuda"}), (True, {"cuda"}), (True, set())):
        with pytest.raises(Started):
            grade(lenet, GradeOptions(assignment="lenet_mnist", items=("LeNet",), smoke=smoke,
                                      available=frozenset(available)))
    assert seen == [False, True, False]  # LeNet's only CUDA check is in the smoke group
