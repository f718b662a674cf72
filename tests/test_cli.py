"""``python -m grader grade`` as a user runs it: exit codes, messages, results files.

Bad input exits 2 with an ``error:`` message and no traceback, and still leaves a
valid zero-score results file where one was asked for.  A graded submission exits
0, writes every requested file, and writes the same bytes when graded again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Callable

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
NO_EPS = "submissions/resnet_cifar10_batchnorm_no_eps.py"
GRADER_ENV = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR")}
GRADER_ENV["TERM"] = "dumb"


def grader(*args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "grader", "grade", *map(str, args)], cwd=REPO, env=GRADER_ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str, str]:
    stdout, stderr = process.communicate(timeout=timeout)
    return process.returncode, stdout, stderr


def run_grader(*args: str | Path) -> tuple[int, str, str]:
    return finish(grader(*args))


# -- bad input: exit 2, one message, no traceback ---------------------------------------

def _notebook_without_graded_names(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# My homework"),
                nbformat.v4.new_code_cell("import torch\n\nclass MyNet(torch.nn.Module):\n    pass\n")]
    path.write_text(nbformat.writes(nb), encoding="utf-8")


def _valid_py(path: Path) -> None:
    path.write_text("# %%\nimport torch\n\n# %%\nx = torch.ones(2)\n", encoding="utf-8")


#: name -> (file to create, how to fill it, extra arguments, words the message must contain)
BAD_INPUTS: dict[str, tuple[str, Callable[[Path], object] | None, tuple[str, ...], tuple[str, ...]]] = {
    "missing_file": ("missing.ipynb", None, (), ("no such file",)),
    "directory": ("folder", lambda p: p.mkdir(), (), ("is a directory",)),
    "empty_file": ("empty.py", lambda p: p.write_bytes(b""), (), ("is empty",)),
    "invalid_json_ipynb": ("broken.ipynb", lambda p: p.write_text('{"cells": [', encoding="utf-8"), (),
                           ("not valid JSON",)),
    "json_not_a_notebook": ("data.ipynb", lambda p: p.write_text('{"a": [1, 2]}', encoding="utf-8"), (),
                            ("not a Jupyter notebook",)),
    "binary_garbage_ipynb": ("garbage.ipynb", lambda p: p.write_bytes(bytes(range(256)) * 8), (), ("not UTF-8",)),
    "non_utf8_py": ("latin1.py", lambda p: p.write_bytes("# %%\nname = 'Jos\u00e9'\n".encode("latin-1")), (),
                    ("not UTF-8",)),
    "unknown_assignment": ("ok.py", _valid_py, ("--assignment", "nope"), ("unknown assignment", "nope",
                                                                             "resnet_cifar10")),
    "no_graded_names": ("homework.ipynb", _notebook_without_graded_names, (),
                        ("could not tell which assignment", "--assignment", "resnet_cifar10")),
    "unknown_item": ("ok.py", _valid_py, ("--assignment", "resnet_cifar10", "--item", "Nope"),
                     ("has no item Nope", "Dropout", "BatchNorm")),
}


def _prepare(tmp_path: Path, case: str) -> tuple[Path, tuple[str, ...], tuple[str, ...]]:
    name, fill, extra, words = BAD_INPUTS[case]
    path = tmp_path / name
    if fill is not None:
        fill(path)
    return path, extra, words


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_exits_2_with_a_message_and_no_traceback(tmp_path: Path, case: str) -> None:
    path, extra, words = _prepare(tmp_path, case)
    code, stdout, stderr = run_grader(path, *extra)
    assert code == 2, (stdout, stderr)
    assert stdout == ""
    assert stderr.startswith("error: "), stderr
    assert "Traceback" not in stderr and "grader/" not in stderr
    message = " ".join(stderr.split())  # the console may wrap long lines
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    if case not in ("unknown_assignment", "no_graded_names", "unknown_item"):
        assert path.name in message, "the message names the file"


def test_bad_input_message_is_one_line(tmp_path: Path) -> None:
    path, extra, _ = _prepare(tmp_path, "invalid_json_ipynb")
    code, _, stderr = run_grader(path, *extra)
    assert code == 2
    assert len(stderr.strip().splitlines()) == 1, stderr


def test_bad_input_still_writes_zero_score_results_files(tmp_path: Path) -> None:
    path, extra, _ = _prepare(tmp_path, "json_not_a_notebook")
    gradescope, results = tmp_path / "out" / "results.json", tmp_path / "out" / "grader.json"
    code, _, stderr = run_grader(path, "--gradescope", gradescope, "--json", results)
    assert code == 2, stderr
    payload = json.loads(gradescope.read_text(encoding="utf-8"))
    assert payload["score"] == 0.0
    assert payload["tests"] == []
    assert "not a Jupyter notebook" in payload["output"]
    own = json.loads(results.read_text(encoding="utf-8"))
    assert own["score"] == 0.0 and own["items"] == [] and "not a Jupyter notebook" in own["error"]


# -- a graded submission: exit 0, every file, the same bytes twice ------------------------

@pytest.mark.slow
def test_grading_writes_every_report_and_is_byte_identical_when_repeated(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    runs = [grader(NO_EPS, "--item", "BatchNorm", "--json", first / "grader.json",
                   "--gradescope", first / "results.json", "--junit", first / "junit.xml"),
            grader(NO_EPS, "--item", "BatchNorm", "--json", second / "grader.json")]
    outcomes = [finish(process) for process in runs]  # both run at once
    for code, stdout, stderr in outcomes:
        assert code == 0, stderr
        assert "Traceback" not in stderr
        assert "15/16" in stdout.replace(" ", "")

    own = json.loads((first / "grader.json").read_text(encoding="utf-8"))
    assert own["assignment"] == "resnet_cifar10"
    assert (own["score"], own["max_score"]) == (15.0, 16.0)
    [item] = own["items"]
    assert item["name"] == "BatchNorm"
    failed = [c["name"] for c in item["checks"] if c["outcome"] == "failed"]
    assert failed == ["constant_channel_finite"]

    gradescope = json.loads((first / "results.json").read_text(encoding="utf-8"))
    assert gradescope["score"] == 15.0
    assert len(gradescope["tests"]) == len(item["checks"])
    assert sum(t["max_score"] for t in gradescope["tests"]) == 16.0

    junit = ET.parse(first / "junit.xml").getroot()
    assert junit.tag == "testsuites"
    assert (junit.get("tests"), junit.get("failures"), junit.get("errors")) == (str(len(item["checks"])), "1", "0")
    assert [c.get("name") for c in junit.iter("testcase") if c.find("failure") is not None] == \
        ["constant_channel_finite"]

    assert (first / "grader.json").read_bytes() == (second / "grader.json").read_bytes()
