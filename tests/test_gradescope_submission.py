"""grader.gradescope.submission: which uploaded file is graded, and what a student reads otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.errors import BadInput
from grader.gradescope.submission import NoSubmission, SeveralSubmissions, find_submission


def _upload(folder: Path, *names: str) -> Path:
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}", encoding="utf-8")
    return folder


@pytest.mark.parametrize(("names", "graded"), [
    (["hw.ipynb"], "hw.ipynb"),
    (["hw.py"], "hw.py"),
    # the notebook wins over helper or exported .py files, and copies in metadata folders are not uploads
    (["hw.ipynb", "helpers.py", "data.csv", "__MACOSX/._hw.ipynb", ".ipynb_checkpoints/hw-checkpoint.ipynb",
      ".hidden.ipynb"], "hw.ipynb"),
    (["repo/notebooks/Assignment 1.IPYNB", "repo/README.md"], "repo/notebooks/Assignment 1.IPYNB"),
])
def test_the_one_submission_is_found(tmp_path: Path, names: list[str], graded: str) -> None:
    assert find_submission(_upload(tmp_path, *names)) == tmp_path / graded


def test_several_notebooks_are_refused_with_their_names(tmp_path: Path) -> None:
    with pytest.raises(SeveralSubmissions) as caught:
        find_submission(_upload(tmp_path, "hw.ipynb", "hw (1).ipynb", "notes.py"))
    assert "2 notebooks (.ipynb) were uploaded (hw (1).ipynb, hw.ipynb)" in str(caught.value)
    with pytest.raises(SeveralSubmissions, match=r"2 Python files \(.py\) were uploaded \(a.py, b.py\)"):
        find_submission(_upload(tmp_path / "py", "a.py", "b.py"))


@pytest.mark.parametrize(("names", "says"), [
    ([], "the upload is empty"),
    (["report.pdf", "__MACOSX/._hw.ipynb"], "the upload holds report.pdf. Upload your notebook"),
    ([f"f{i}.txt" for i in range(10)], "f0.txt, f1.txt, f2.txt, f3.txt, f4.txt, f5.txt, f6.txt, f7.txt and 2 more"),
])
def test_no_submission_says_what_was_uploaded(tmp_path: Path, names: list[str], says: str) -> None:
    with pytest.raises(NoSubmission, match="no notebook") as caught:
        find_submission(_upload(tmp_path, *names))
    assert says in str(caught.value)
    assert isinstance(caught.value, BadInput)


def test_a_missing_folder_is_no_submission(tmp_path: Path) -> None:
    with pytest.raises(NoSubmission, match="does not exist"):
        find_submission(tmp_path / "submission")
