"""Self-check without a worker: the saved-file note, how executors start on this system, switched-off kernel features,
the public checks' hygiene (no reference, no hidden check), the summary line's wording."""

from __future__ import annotations

import ast
import json
import os
import socket
from pathlib import Path

import pytest

from grader import assignment as assignments
from grader.results import CheckResult, ExtractionSummary, GradeResult, ItemResult, SandboxSummary
from grader.sandbox.common import features
from grader.sandbox.judge import launcher
from grader.selfcheck.report import summary_line
from grader.selfcheck.run import SelfCheckResult
from grader.selfcheck.saved import saved_note

ROOT = Path(__file__).resolve().parents[1]


# -- the saved file ---------------------------------------------------------------------------------

def _notebook(path: Path, source: str, mtime: float) -> None:
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": source}], "nbformat": 4,
                                "nbformat_minor": 5, "metadata": {}}), encoding="utf-8")
    os.utime(path, (mtime, mtime))


def test_saved_note_names_the_file_and_its_age(tmp_path: Path) -> None:
    nb = tmp_path / "hw.ipynb"
    _notebook(nb, "x = 1", 1_000_000.0)
    line, stale = saved_note(nb, now=1_000_030.0)
    assert not stale and "grading the saved file" in line and "saved 30 s ago" in line


def test_an_older_file_than_a_differing_checkpoint_is_stale(tmp_path: Path) -> None:
    nb = tmp_path / "hw.ipynb"
    _notebook(nb, "x = 1", 1_000_000.0)
    (tmp_path / ".ipynb_checkpoints").mkdir()
    _notebook(tmp_path / ".ipynb_checkpoints" / "hw-checkpoint.ipynb", "x = 2", 1_000_100.0)
    line, stale = saved_note(nb, now=1_000_200.0)
    assert stale and "save it" in line


@pytest.mark.parametrize("source, offset", [("x = 1", 100.0), ("x = 2", -100.0)])
def test_a_checkpoint_that_is_older_or_the_same_is_not_stale(tmp_path: Path, source: str, offset: float) -> None:
    nb = tmp_path / "hw.ipynb"
    _notebook(nb, "x = 1", 1_000_000.0)
    (tmp_path / ".ipynb_checkpoints").mkdir()
    _notebook(tmp_path / ".ipynb_checkpoints" / "hw-checkpoint.ipynb", source, 1_000_000.0 + offset)
    assert saved_note(nb, now=1_000_200.0)[1] is False


# -- how executors start: a zygote where one can fork, else one fresh interpreter each ---------------

def test_this_machine_forks_executors_from_a_zygote(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(launcher.TRANSPORT_ENV, raising=False)
    assert launcher.why_no_zygote() is None


def test_without_fork_executors_are_spawned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(launcher.TRANSPORT_ENV, raising=False)
    monkeypatch.delattr(os, "fork")
    assert "no os.fork" in (launcher.why_no_zygote() or "")


def test_without_packet_sockets_executors_are_spawned(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise OSError(43, "Protocol not supported")
    monkeypatch.delenv(launcher.TRANSPORT_ENV, raising=False)
    monkeypatch.setattr(socket, "socketpair", refuse)
    assert "no UNIX packet sockets" in (launcher.why_no_zygote() or "")


def test_macos_spawns_and_so_does_the_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(launcher.TRANSPORT_ENV, raising=False)
    monkeypatch.setattr("sys.platform", "darwin")
    assert "macOS" in (launcher.why_no_zygote() or "")
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv(launcher.TRANSPORT_ENV, "spawn")
    assert launcher.why_no_zygote() == f"{launcher.TRANSPORT_ENV}=spawn"


# -- kernel features switched off: each limit says so instead of failing -----------------------------

@pytest.fixture
def without_features(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(features.ENV, ",".join(features.FEATURES))


def test_switched_off_features_report_themselves_not_applied(without_features: None) -> None:
    from grader.sandbox.common.cgroup import SubmissionCgroup
    from grader.sandbox.executor import landlock, namespaces, seccomp_filter

    assert landlock.abi_version() == 0
    with pytest.raises(OSError, match="not available"):
        landlock.restrict(["/usr"], ["/tmp"])
    group, note = SubmissionCgroup.create(2**30, 64)
    assert group is None and "not available" in note
    applied, missing = seccomp_filter.install()  # switched off: installs nothing in this test process
    assert applied == [] and "seccomp" in missing[0]
    applied, missing = [], []
    assert namespaces._enter(applied, missing) == (False, False)
    assert applied == [] and any("namespaces" in m for m in missing)


def test_only_the_named_features_are_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(features.ENV, "cgroup")
    assert features.disabled("cgroup") and not features.disabled("landlock")
    monkeypatch.delenv(features.ENV)
    assert not any(features.disabled(f) for f in features.FEATURES)


def test_a_libc_without_prctl_or_unshare_degrades(monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS's libc has neither: the executor then runs without them instead of crashing."""
    from grader.sandbox.executor import namespaces

    monkeypatch.setattr(namespaces, "_libc", object())
    namespaces.die_with_parent(os.getppid())  # no prctl: returns
    assert namespaces._unshare(namespaces.CLONE_NEWNET) != 0


# -- the public checks ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(assignments.available()))
def test_public_checks_import_no_reference_and_no_hidden_check(name: str) -> None:
    tree = ast.parse((ROOT / "assignments" / name / "public.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    assert all(module and module.startswith("grader.") for module in imported), imported
    assert not any(isinstance(node, ast.ImportFrom) and node.level for node in ast.walk(tree))


@pytest.mark.parametrize("name", sorted(assignments.available()))
def test_public_check_names_are_not_hidden_check_names(name: str) -> None:
    chosen = assignments.get(name)
    public = assignments.public_items(chosen.items, chosen)
    hidden = {c.name for item in chosen.items for c in item.checks}
    assert sum(len(item.checks) for item in public) >= len([i for i in chosen.items if not i.training])
    for item in public:
        assert not {c.name for c in item.checks} & hidden, item.name
        assert all(not c.warning_only and c.max_points > 0 for c in item.checks)


def _result(outcomes: list[str]) -> SelfCheckResult:
    checks = tuple(CheckResult(f"c{i}", "d", o, 1.0 if o == "passed" else 0.0, 1.0)  # type: ignore[arg-type]
                   for i, o in enumerate(outcomes))
    grade = GradeResult("a", "nb.ipynb", (ItemResult("X", "X", "cell 1, line 1", checks),),
                        ExtractionSummary((), (), (), ()), SandboxSummary((), ()))
    return SelfCheckResult(grade, hidden_checks=True, unfinished=(), saved="", stale=False)


def test_summary_says_hidden_checks_exist_even_when_all_public_pass() -> None:
    line = summary_line(_result(["passed", "passed"]))
    assert line == "public checks: 2/2 passed — your grade also uses hidden checks that are not run here"
    assert "all tests passed" not in line.lower()


def test_summary_counts_failures() -> None:
    assert summary_line(_result(["passed", "failed", "failed"])).startswith("public checks: 1/3 passed")


# -- the commands' bad input ------------------------------------------------------------------------

@pytest.mark.parametrize("argv, message", [
    (["check", "no-such-notebook.ipynb"], "error: no-such-notebook.ipynb: no such file"),
    (["release", "no_such_assignment"], "error: unknown assignment 'no_such_assignment'"),
])
def test_bad_input_is_one_error_line_and_exit_2(argv: list[str], message: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from grader.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and "Traceback" not in err


def test_release_refuses_a_folder_that_is_not_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from grader.cli import main

    (tmp_path / "keep.txt").write_text("mine")
    assert main(["release", "lenet_mnist", "--out", str(tmp_path)]) == 2
    assert "is not empty" in capsys.readouterr().err and (tmp_path / "keep.txt").read_text() == "mine"
