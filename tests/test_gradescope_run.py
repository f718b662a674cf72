"""grader.gradescope.run and the zip's run_autograder: a results.json Gradescope takes, whatever the upload.

The end-to-end test does what Gradescope does, in a temporary folder: the zip unpacked in
``source/``, ``run_autograder`` copied to the root and run from it, the upload in ``submission/``;
``AUTOGRADER_ROOT`` and ``GRADER_PYTHON`` point the script at that folder and at this Python.
Each results.json is validated against the specification (tests/gradescope_schema.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from gradescope_schema import validate_results
from grader.errors import EXIT_BAD_INPUT, EXIT_INTERNAL
from grader.gradescope import run
from grader.gradescope.bundle import build

SUBMISSIONS = Path(__file__).resolve().parents[1] / "submissions"


def _results(root: Path) -> dict[str, Any]:
    doc = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    validate_results(doc)
    return doc


def _layout(root: Path, *uploads: tuple[str, bytes]) -> Path:
    (root / "submission").mkdir(parents=True)
    for name, data in uploads:
        (root / "submission" / name).write_bytes(data)
    return root


# --- in this process: the ways of not grading (no grading run, fast)


def test_no_upload_gives_a_zero_score_and_says_what_to_do(tmp_path: Path) -> None:
    root = _layout(tmp_path, ("report.pdf", b"%PDF"))
    assert run.main(["--assignment", "lenet_mnist", "--root", str(root)]) == EXIT_BAD_INPUT
    doc = _results(root)
    assert (doc["score"], doc["tests"]) == (0.0, [])
    assert doc["output"].startswith("Your submission could not be graded: no notebook (.ipynb)")
    assert "report.pdf" in doc["output"] and str(root) not in doc["output"]


def test_several_notebooks_give_a_zero_score(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _layout(tmp_path, ("a.ipynb", b"{}"), ("b.ipynb", b"{}"))
    monkeypatch.setenv(run.ROOT_VARIABLE, str(root))  # the root from the environment, as run_autograder gives it
    assert run.main(["--assignment", "lenet_mnist"]) == EXIT_BAD_INPUT
    assert "2 notebooks (.ipynb) were uploaded (a.ipynb, b.ipynb)" in _results(root)["output"]


def test_a_grader_crash_still_gives_a_score_and_keeps_the_traceback_for_instructors(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import grader.grade

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("grader bug 12345")

    monkeypatch.setattr(grader.grade, "grade", crash)
    root = _layout(tmp_path, ("hw.ipynb", (SUBMISSIONS / "lenet_mnist_full_marks.ipynb").read_bytes()))
    assert run.main(["--assignment", "lenet_mnist", "--root", str(root)]) == EXIT_INTERNAL
    doc = _results(root)
    assert (doc["score"], doc["output"], doc["stdout_visibility"]) == (0.0, run.CRASHED, "hidden")
    assert "12345" not in json.dumps(doc)
    log = capsys.readouterr().out
    assert "RuntimeError: grader bug 12345" in log and "Traceback" in log


# --- end to end: the built zip, run as Gradescope runs it


@pytest.fixture(scope="module")
def autograder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lenet_mnist zip unpacked into ``source/``, with run_autograder copied to the root."""
    base = tmp_path_factory.mktemp("autograder")
    zipped = build("lenet_mnist", base / "zip")
    with zipfile.ZipFile(zipped) as archive:
        archive.extractall(base / "source")
    return base


def _run_autograder(autograder: Path, root: Path, python: str = sys.executable) -> subprocess.CompletedProcess[str]:
    shutil.copy(autograder / "source" / "run_autograder", root / "run_autograder")
    os.symlink(autograder / "source", root / "source")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "GRADER_PYTHON": python}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(["bash", str(root / "run_autograder")], cwd=root, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr  # Gradescope reads results.json in every case
    return done


@pytest.mark.slow
def test_full_marks_from_the_zip(autograder: Path, tmp_path: Path) -> None:
    root = _layout(tmp_path, ("lenet.ipynb", (SUBMISSIONS / "lenet_mnist_full_marks.ipynb").read_bytes()),
                   ("notes.py", b"print('not graded: the notebook wins')\n"))
    done = _run_autograder(autograder, root)
    # graded by the zip's copy of the grader, not this checkout's
    assert f"grader: code in {(root / 'source' / 'grader').resolve()}," in done.stdout
    assert "grading lenet.ipynb" in done.stdout and "grader exit status: 0" in done.stdout
    doc = _results(root)
    assert doc["score"] == doc["extra_data"]["max_score"] == 24.0
    assert doc["tests"] and all(t["status"] == "passed" for t in doc["tests"])
    assert doc["stdout_visibility"] == "hidden"
    assert doc["output"].startswith("lenet_mnist: 24 / 24 points")


@pytest.mark.slow
def test_an_unreadable_notebook_from_the_zip(autograder: Path, tmp_path: Path) -> None:
    root = _layout(tmp_path, ("hw 1.ipynb", b'{"cells": ['))
    done = _run_autograder(autograder, root)
    assert "grader exit status: 2" in done.stdout
    doc = _results(root)
    assert (doc["score"], doc["tests"]) == (0.0, [])
    assert doc["output"].startswith("Your submission could not be graded: hw 1.ipynb is not valid JSON")


def test_a_python_that_cannot_start_still_gives_a_score(autograder: Path, tmp_path: Path) -> None:
    root = _layout(tmp_path, ("hw.ipynb", b"{}"))
    done = _run_autograder(autograder, root, python=str(tmp_path / "no-such-python"))
    assert "grader exit status: 127" in done.stdout
    doc = _results(root)
    assert doc["score"] == 0.0 and "could not start" in doc["output"]
