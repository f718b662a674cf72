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
from nbformat import v3

import grader.cli as cli
import report_samples as samples
from notebook_files import write_with_huge_output
from grader import assignment as assignments
from grader.errors import WrongAssignment

REPO = Path(__file__).resolve().parents[1]
NO_EPS = "submissions/resnet_cifar10_batchnorm_no_eps.py"
LENET = REPO / "submissions" / "lenet_mnist_full_marks.ipynb"
#: a correct Dropout (as in reference/resnet_cifar10.py): 16/16 points
DROPOUT = """import torch
from torch import nn


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if not self.training or self.p == 0:
            return input
        keep = torch.rand_like(input) >= self.p
        return input * keep / (1 - self.p)
"""
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


def _damaged_v3(path: Path) -> None:
    path.write_text('{"nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": 7}]}', encoding="utf-8")


def _lenet_notebook(path: Path) -> None:
    path.write_bytes(LENET.read_bytes())


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
    "zip_archive": ("zipped.ipynb", lambda p: p.write_bytes(b"PK\x03\x04" + bytes(64)), (), ("is a zip archive",)),
    "unsupported_extension": ("notes.txt", lambda p: p.write_text("my answers", encoding="utf-8"), (),
                              ("unsupported file type '.txt'", ".ipynb")),
    "future_nbformat": ("future.ipynb", lambda p: p.write_text('{"nbformat": 9, "cells": []}', encoding="utf-8"),
                        (), ("Unsupported nbformat version 9",)),
    "damaged_v3_notebook": ("old.ipynb", _damaged_v3, (), ("nbformat 3 notebook that could not be converted",)),
    "deeply_nested_json": ("deep.ipynb", lambda p: p.write_bytes(b"[" * 100_000 + b"]" * 100_000), (),
                           ("nested too deeply",)),
    "other_assignment": ("lenet.ipynb", _lenet_notebook, ("--assignment", "resnet_cifar10"),
                         ("defines LeNet, backprop_deep (lenet_mnist) but none of resnet_cifar10's items (Dropout,",
                          "check --assignment or leave it out")),
    "unknown_alias_item": ("ok.py", _valid_py, ("--assignment", "resnet_cifar10", "--alias", "Dropuot=MyDropout"),
                           ("has no item to alias in --alias Dropuot=MyDropout", "Dropout", "BatchNorm")),
    "malformed_alias": ("ok.py", _valid_py, ("--alias", "Dropout"), ("argument --alias: expected ITEM=NAME",
                                                                      "--help")),
    "zero_timeout": ("ok.py", _valid_py, ("--timeout", "0"), ("argument --timeout", "above 0", "'0'")),
    "infinite_memory": ("ok.py", _valid_py, ("--memory-gb", "inf"), ("argument --memory-gb", "'inf'")),
    "results_file_is_a_directory": ("ok.py", _valid_py, ("--json", "."), ("argument --json: . is a directory",)),
}
NOT_ABOUT_THE_FILE = ("unknown_assignment", "no_graded_names", "unknown_item", "unknown_alias_item",
                      "malformed_alias", "zero_timeout", "infinite_memory", "results_file_is_a_directory")


def _prepare(tmp_path: Path, case: str) -> tuple[Path, tuple[str, ...], tuple[str, ...]]:
    name, fill, extra, words = BAD_INPUTS[case]
    path = tmp_path / name
    if fill is not None:
        fill(path)
    return path, extra, words


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_exits_2_with_a_one_line_message_and_no_traceback(tmp_path: Path, case: str) -> None:
    """The same single ``error:`` line with and without --debug: a traceback is for internal errors only."""
    path, extra, words = _prepare(tmp_path, case)
    plain, debug = grader(path, *extra), grader(path, *extra, "--debug")  # both at once
    code, stdout, stderr = finish(plain)
    assert code == 2, (stdout, stderr)
    assert stdout == ""
    assert stderr.startswith("error: ") and stderr.endswith("\n"), stderr
    assert len(stderr.splitlines()) == 1, stderr
    assert "Traceback" not in stderr and "grader/" not in stderr
    for word in words:
        assert word in stderr, f"{word!r} not in {stderr!r}"
    if case not in NOT_ABOUT_THE_FILE:
        assert path.name in stderr, "the message names the file"
    assert finish(debug) == (2, "", stderr)


def test_a_newline_in_the_file_name_is_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["grade", str(tmp_path / "two\nlines.ipynb")]) == 2
    assert capsys.readouterr().err == (f"error: {tmp_path}/two\\x0alines.ipynb: no such file; check the path of "
                                       "the submission\n")


def test_bad_argument_still_writes_zero_score_results_files(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    gradescope = tmp_path / "out" / "results.json"
    assert cli.main(["grade", "any.ipynb", "--gradescope", str(gradescope), "--timeout", "-1"]) == 2
    assert capsys.readouterr().err == ("error: argument --timeout: expected a number above 0 and at most 86,400, "
                                       "got '-1'; see 'python -m grader grade --help'\n")
    payload = json.loads(gradescope.read_text(encoding="utf-8"))
    assert payload["score"] == 0.0 and "argument --timeout" in payload["output"]


def test_results_file_that_cannot_be_written_is_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Graded, but a results file could not be written: exit 2, one line; the other files are written."""
    monkeypatch.setattr(cli, "grade", lambda *_: samples.full_marks())
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")
    unwritable, junit = blocked / "grader.json", tmp_path / "junit.xml"
    assert cli.main(["grade", "any.ipynb", "--json", str(unwritable), "--junit", str(junit)]) == 2
    [error] = capsys.readouterr().err.splitlines()
    assert error.startswith(f"error: could not write {unwritable} (") and error.endswith(
        "); check that its folder can be written"), error
    assert junit.exists()


def _internal_error(*_: object, **__: object) -> None:
    raise RuntimeError("the grader broke")


def test_internal_error_exits_3_without_traceback(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "grade", _internal_error)
    assert cli.main(["grade", "any.ipynb"]) == 3
    stderr = capsys.readouterr().err
    assert stderr.startswith("internal grader error: RuntimeError: the grader broke\n")
    assert "--debug" in stderr and "Traceback" not in stderr


def test_internal_error_with_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "grade", _internal_error)
    assert cli.main(["grade", "any.ipynb", "--debug"]) == 3
    stderr = capsys.readouterr().err
    assert "Traceback (most recent call last)" in stderr and "_internal_error" in stderr


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


# -- graded, with a note on stderr: exit 0 ---------------------------------------------------

def _graded(path: Path, *extra: str) -> tuple[str, dict]:
    """Grade ``path``'s Dropout; (stderr, the --json results), after checking the run went well."""
    results = path.parent / "grader.json"
    code, stdout, stderr = run_grader(path, "--assignment", "resnet_cifar10", "--item", "Dropout", *extra,
                                      "--json", results)
    assert code == 0, (stdout, stderr)
    assert "Traceback" not in stderr and not any(line.startswith("error") for line in stderr.splitlines())
    return stderr, json.loads(results.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_nbformat_3_notebook_is_converted_graded_and_noted(tmp_path: Path) -> None:
    path = tmp_path / "old.ipynb"
    nb = v3.new_notebook(worksheets=[v3.new_worksheet(cells=[v3.new_text_cell("markdown", source="# Homework"),
                                                             v3.new_code_cell(input=DROPOUT)])])
    path.write_text(v3.writes_json(nb), encoding="utf-8")
    stderr, own = _graded(path)
    note = f"{path} is an nbformat 3 notebook; it was converted to nbformat 4 for grading"
    assert stderr.splitlines()[0].startswith(f"note: {note}"), stderr
    assert len(stderr.splitlines()) == 1, stderr
    [item] = own["items"]
    assert (item["found_as"], item["location"]) == ("Dropout", "cell 2, line 5")
    assert (own["score"], own["max_score"]) == (16.0, 16.0), "a note costs nothing"
    assert own["warnings"][0].startswith(note)


@pytest.mark.slow
def test_py_without_cell_markers_is_graded_as_one_cell_and_noted(tmp_path: Path) -> None:
    path = tmp_path / "plain.py"
    path.write_text(DROPOUT, encoding="utf-8")
    stderr, own = _graded(path)
    assert stderr == (f"note: {path} has no cell markers ('# %%' or '# In[1]:'); the whole file was read as one "
                      "cell, so 'cell 1, line N' means line N of the file\n")
    [item] = own["items"]
    assert (item["found_as"], item["location"]) == ("Dropout", "cell 1, line 5")
    assert (own["score"], own["max_score"]) == (16.0, 16.0)


@pytest.mark.slow
def test_200_mb_of_outputs_is_graded(tmp_path: Path) -> None:
    """Outputs are never looked at: a notebook full of printed text grades like any other."""
    path = write_with_huge_output(tmp_path / "huge.ipynb", DROPOUT)
    assert path.stat().st_size > 200 << 20
    stderr, own = _graded(path)
    assert stderr == ""
    assert own["items"][0]["found_as"] == "Dropout"
    assert own["score"] == 16.0


@pytest.mark.slow
def test_submission_defining_no_graded_name_is_graded_with_each_item_missing(tmp_path: Path) -> None:
    """--assignment given, and the notebook defines no graded name of any assignment: graded, 0 points."""
    path = tmp_path / "homework.ipynb"
    _notebook_without_graded_names(path)
    stderr, own = _graded(path)
    assert stderr == ""
    [item] = own["items"]
    assert item["found_as"] is None
    assert "`Dropout` was not found in the submission" in item["message"]
    assert (own["score"], own["max_score"]) == (0.0, 16.0)


@pytest.mark.slow
def test_an_alias_counts_as_defining_the_item(tmp_path: Path) -> None:
    """A notebook with lenet_mnist's LeNet is refused for resnet_cifar10 unless --alias names its Dropout."""
    path = tmp_path / "mixed.py"
    path.write_text("# %%\n" + DROPOUT.replace("Dropout", "MyDropout") + "\n# %%\nclass LeNet(nn.Module):\n"
                    "    pass\n", encoding="utf-8")
    refused = grader(path, "--assignment", "resnet_cifar10", "--item", "Dropout")  # runs while the next grades
    stderr, own = _graded(path, "--alias", "Dropout=MyDropout")
    assert stderr == ""
    assert own["items"][0]["found_as"] == "MyDropout"
    assert own["score"] == 16.0
    code, _, stderr = finish(refused)
    assert code == 2 and "defines LeNet (lenet_mnist) but none of resnet_cifar10's items" in stderr, stderr


def test_wrong_assignment_lists_what_the_submission_defines() -> None:
    resnet = assignments.get("resnet_cifar10")
    # `train` counts twice: mnist_logreg_cnn's item, and lenet_mnist's declared alias of backprop_deep
    with pytest.raises(WrongAssignment, match=r"^hw.ipynb defines LeNet, train \(lenet_mnist\) and ConvNet2, "
                                              r"train \(mnist_logreg_cnn\) but none of resnet_cifar10's items"):
        assignments.check_matches(resnet, {"LeNet", "ConvNet2", "train", "helper"}, "hw.ipynb")
    assignments.check_matches(resnet, {"LeNet", "fit"}, "hw.ipynb")  # one of its own is enough
    assignments.check_matches(resnet, {"helper"}, "hw.ipynb")  # nobody's: graded, items missing


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


@pytest.mark.parametrize("encoding", ["cp1252"])
def test_a_narrow_output_encoding_prints_question_marks_instead_of_failing(encoding: str) -> None:
    """Windows sends a child's output to Jupyter in cp1252, which has no ✓: the report still comes out."""
    done = subprocess.run([sys.executable, "-m", "grader", "check",
                           str(REPO / "assignments" / "lenet_mnist" / "solution.ipynb")],
                          env={**os.environ, "PYTHONIOENCODING": encoding}, capture_output=True, timeout=300,
                          cwd=REPO)
    assert done.returncode == 0, done.stderr.decode(encoding, errors="replace")
    out = done.stdout.decode(encoding)
    assert "? logits_shape" in out and "public checks: 2/2 passed" in out
