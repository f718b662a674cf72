"""Which uploaded file is the submission: Gradescope hands over a folder, the grader grades one file.

Students upload their notebook, sometimes with other files (a data file, a helper ``.py``, a macOS
``__MACOSX`` folder from a zip, Jupyter's ``.ipynb_checkpoints``).  The rule, stated in every
message: a notebook (``.ipynb``) is graded if there is one; a Python export (``.py``) only when no
notebook was uploaded; two candidates of the winning kind are refused rather than guessed between.
"""

from __future__ import annotations

from pathlib import Path

from grader.errors import BadInput

#: Folders that hold copies or metadata, never the work to grade.
IGNORED_FOLDERS = frozenset({"__MACOSX", ".ipynb_checkpoints", "__pycache__", ".git"})
#: How many file names a message lists before it says "and N more".
_LISTED = 8


class NoSubmission(BadInput):
    """No notebook or Python file was uploaded. Upload the notebook."""


class SeveralSubmissions(BadInput):
    """More than one notebook (or, without a notebook, more than one .py) was uploaded. Upload one."""


def _uploaded(folder: Path) -> list[Path]:
    """Every regular file under ``folder`` (relative paths), leaving out ignored and hidden folders/files."""
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part in IGNORED_FOLDERS or part.startswith(".") for part in relative.parts):
            continue
        if path.is_file():
            found.append(relative)
    return found


def _listing(paths: list[Path]) -> str:
    names = [str(p) for p in paths[:_LISTED]]
    more = len(paths) - len(names)
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def find_submission(folder: str | Path) -> Path:
    """The one file to grade in ``folder`` (see the module docstring), or a BadInput saying what to upload."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NoSubmission(f"the submission folder {folder} does not exist; nothing was uploaded")
    uploaded = _uploaded(folder)
    notebooks = [p for p in uploaded if p.suffix.lower() == ".ipynb"]
    scripts = [p for p in uploaded if p.suffix.lower() == ".py"]
    chosen, kind = (notebooks, "notebooks (.ipynb)") if notebooks else (scripts, "Python files (.py)")
    if not chosen:
        found = f"the upload holds {_listing(uploaded)}" if uploaded else "the upload is empty"
        raise NoSubmission(f"no notebook (.ipynb) or Python export (.py) was found: {found}. "
                           "Upload your notebook (File > Download > .ipynb) and submit again.")
    if len(chosen) > 1:
        raise SeveralSubmissions(f"{len(chosen)} {kind} were uploaded ({_listing(chosen)}) and only one can be "
                                 "graded. Submit again with just the notebook you want graded.")
    return folder / chosen[0]
