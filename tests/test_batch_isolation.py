"""Attacks graded in the same batch as correct submissions change nothing for them.

A course grades a directory of submissions one after the other, in one working
directory.  Here the command line grades such a directory where attacks that leave
things behind (threads that re-patch torch, processes, forged results files, a
hang) alternate with the three full-marks examples; each full-marks submission must
get full marks and a results file byte-identical to grading it alone in a clean
directory.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from attack_catalog import ASSIGNMENT, REPO, grading_env, load_attacks, processes_mentioning, submission_text

pytestmark = pytest.mark.slow

FULL_MARKS = sorted((REPO / "submissions").glob("*_full_marks.ipynb"))
#: Attacks whose leftovers would reach the next submission if anything leaked.
MIXED_IN = ("lingering_thread_patches_torch", "writes_results_files", "spawns_processes", "loop_in_forward",
            "prints_forged_replies", "huge_file")
ATTACK_LIMITS = ("--timeout", "2", "--load-timeout", "3", "--memory-gb", "1")


def _grade(name: str, directory: Path, *extra: str) -> dict[str, str | int]:
    """Grade ``in/<name>`` from ``directory`` as a batch script would; return exit code and results text."""
    results = directory / "out" / f"{name}.json"
    command = [sys.executable, "-m", "grader", "grade", f"in/{name}", "--json", str(results), *extra]
    done = subprocess.run(command, cwd=directory, env=grading_env(directory / "tmp"), capture_output=True,
                          text=True, timeout=900)
    return {"exit": done.returncode, "stderr": done.stderr,
            "results": results.read_text(encoding="utf-8") if results.exists() else ""}


def _directory(root: Path) -> Path:
    for sub in ("in", "out", "tmp"):
        (root / sub).mkdir(parents=True)
    return root


def test_attacks_in_a_batch_change_nothing_for_full_marks_submissions(tmp_path: Path) -> None:
    assert len(FULL_MARKS) == 3, FULL_MARKS
    attacks = load_attacks()
    marker = f"batch-{tmp_path.name}"
    batch = _directory(tmp_path / "batch")
    order: list[tuple[str, bool]] = []
    for index, attack_name in enumerate(MIXED_IN):
        attack = attacks[attack_name]
        name = f"{index:02d}_{attack_name}.py"
        (batch / "in" / name).write_text(submission_text(attack, marker=marker), encoding="utf-8")
        order.append((name, True))
        if index < len(FULL_MARKS):
            shutil.copy(FULL_MARKS[index], batch / "in" / FULL_MARKS[index].name)
            order.append((FULL_MARKS[index].name, False))

    in_batch = {name: _grade(name, batch, *(("--assignment", ASSIGNMENT, *ATTACK_LIMITS) if is_attack else ()))
                for name, is_attack in order}
    assert processes_mentioning(marker, str(tmp_path)) == [], "a process of the batch outlived it"
    assert all(outcome["exit"] == 0 for outcome in in_batch.values()), {
        name: outcome["stderr"][-500:] for name, outcome in in_batch.items() if outcome["exit"] != 0}

    for notebook in FULL_MARKS:
        alone = _directory(tmp_path / f"alone_{notebook.stem}")
        shutil.copy(notebook, alone / "in" / notebook.name)
        by_itself = _grade(notebook.name, alone)
        assert by_itself["exit"] == 0, by_itself["stderr"]
        results = json.loads(by_itself["results"])
        assert results["score"] == results["max_score"] > 0, notebook.name
        assert in_batch[notebook.name]["results"] == by_itself["results"], notebook.name
