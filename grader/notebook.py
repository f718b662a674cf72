"""Read a submission (.ipynb or a .py export) into its code cells.

Only cell sources are read: outputs are never looked at or re-serialised, so a
notebook carrying hundreds of megabytes of plots still loads.  IPython syntax
(``%magic``, ``!shell``, ``x?``) is rewritten by IPython's own transformer into
plain calls so that :mod:`ast` can parse every cell, and every rewritten cell
keeps the line count of the original, so a line number in a message is the line
the student sees in Jupyter.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

from grader.errors import UnreadableSubmission
from grader.results import CellProblem

__all__ = ["Cell", "Notebook", "read_submission", "neutralise"]

#: Cell magics whose body is Python run in the user namespace: the body is kept.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit"})

_ACCEPTED = "a Jupyter notebook (.ipynb) or a Python export (.py, cells marked '# %%' or '# In[1]:')"


@dataclass(frozen=True)
class Cell:
    """One code cell, ready for :func:`ast.parse`."""

    index: int  #: 1-based position among ALL cells (markdown too); for .py, the cell's position
    source: str  #: Python with IPython syntax neutralised; same number of lines as ``original``
    original: str  #: the cell text exactly as the student wrote it


@dataclass(frozen=True)
class Notebook:
    """The code cells of one submission, in document order."""

    path: str
    cells: tuple[Cell, ...]  #: code cells only, document order
    skipped_cells: tuple[CellProblem, ...]  #: code cells that are not Python (``%%bash``...)
    #: one line each about how the file was read (converted from nbformat 3, no cell markers...);
    #: never a reason to take points off
    notes: tuple[str, ...] = ()


def read_submission(path: str | os.PathLike[str]) -> Notebook:
    """Read ``path`` (.ipynb, .py, or anything holding notebook JSON) into code cells.

    Raises :class:`UnreadableSubmission` with a one-line message saying what is
    wrong and what to do, never a JSON or nbformat exception.  What was read in a
    way the student may not expect (an old nbformat converted, a .py without cell
    markers) is said in ``notes``.
    """
    p = Path(path)
    text = _read_text(p)
    suffix = p.suffix.lower()
    notes: list[str] = []
    if suffix == ".py":
        raw = _split_py(text, p, notes)
    elif suffix == ".ipynb":
        raw = _split_ipynb(text, p, notes)
    else:
        try:
            raw = _split_ipynb(text, p, notes)
        except UnreadableSubmission as e:
            if "not valid JSON" not in str(e):
                raise
            raise UnreadableSubmission(
                f"{p}: unsupported file type {p.suffix or '(no extension)'!r}; "
                f"submit {_ACCEPTED}"
            ) from None
    cells: list[Cell] = []
    skipped: list[CellProblem] = []
    for index, original in raw:
        source, problem = _neutralise_cell(index, original)
        if problem is not None:
            skipped.append(problem)
        else:
            cells.append(Cell(index=index, source=source, original=original))
    return Notebook(path=str(path), cells=tuple(cells), skipped_cells=tuple(skipped), notes=tuple(notes))


# --------------------------------------------------------------------------- files


def _read_text(p: Path) -> str:
    """The file as text, or an UnreadableSubmission saying why not."""
    if not p.exists():
        raise UnreadableSubmission(f"{p}: no such file; check the path of the submission")
    if p.is_dir():
        raise UnreadableSubmission(
            f"{p} is a directory; pass the .ipynb or .py file inside it, not the folder"
        )
    try:
        data = p.read_bytes()
    except OSError as e:
        raise UnreadableSubmission(f"{p}: cannot be read ({e.strerror}); check its permissions") from None
    if not data or data.isspace():  # not data.strip(): that copies a 200 MB notebook
        raise UnreadableSubmission(
            f"{p} is empty; save the notebook in Jupyter (File > Save) and submit it again"
        )
    if data.startswith(b"PK\x03\x04"):
        raise UnreadableSubmission(
            f"{p} is a zip archive, not a notebook; unzip it and submit the .ipynb inside"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        raise UnreadableSubmission(
            f"{p} is not UTF-8 text; re-save it from Jupyter as .ipynb (File > Download as > Notebook)"
        )
    return text


def _split_ipynb(text: str, p: Path, notes: list[str]) -> list[tuple[int, str]]:
    """(index, source) of every code cell, index counting every cell.

    An nbformat 4 notebook is read straight from its JSON: outputs are never
    wrapped, validated or copied, and a hand-edited cell missing ``metadata``
    still reads.  Older versions (1 to 3) are converted by nbformat, with a note.
    """
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise UnreadableSubmission(
            f"{p} is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg}); the file is damaged or "
            "truncated: re-save it from Jupyter and submit it again"
        ) from None
    except ValueError as e:  # e.g. an integer too long to convert
        raise UnreadableSubmission(
            f"{p} is not valid JSON ({_first_clause(e)}); the file is damaged: re-save it from Jupyter and "
            "submit it again"
        ) from None
    except RecursionError:
        raise UnreadableSubmission(
            f"{p} is not a Jupyter notebook: its JSON is nested too deeply to read; "
            "submit the .ipynb file that Jupyter saved"
        ) from None
    if not isinstance(doc, dict) or "nbformat" not in doc:
        raise UnreadableSubmission(_not_a_notebook(p))
    major = doc["nbformat"]
    if not isinstance(major, int) or isinstance(major, bool) or not 1 <= major <= 4:
        raise UnreadableSubmission(
            f"{p}: Unsupported nbformat version {major!r} (this grader reads versions 1 to 4); "
            "re-save it with a current Jupyter (nbformat 4)"
        )
    if major < 4:
        doc = _convert_old(text, doc, major, p)
        notes.append(f"{p} is an nbformat {major} notebook; it was converted to nbformat 4 for grading "
                     "(nothing is lost; re-save it with a current Jupyter to silence this note)")
    cells = doc.get("cells")
    if not isinstance(cells, list):
        raise UnreadableSubmission(_not_a_notebook(p))
    out: list[tuple[int, str]] = []
    for i, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        out.append((i, _source_text(cell.get("source", ""))))
    return out


def _convert_old(text: str, doc: dict[str, Any], major: int, p: Path) -> Any:
    """An nbformat 1 to 3 notebook as nbformat 4, read the way Jupyter reads it.

    ``nbformat.reads(text, as_version=4)`` rejoins the line lists of every cell (``input``, heading
    ``source``, outputs) and converts version by version; its validation only logs, so a notebook
    Jupyter opens is graded.  Only when nbformat itself gives up are the code cells taken from the
    worksheets directly (the grader needs nothing else); otherwise the file is reported as damaged.
    """
    try:
        return nbformat.reads(text, as_version=4, capture_validation_error={})
    except Exception as e:  # nbformat's converters assume a well-formed notebook
        error = e
    cells = _old_code_cells(doc)
    if cells is None:
        raise UnreadableSubmission(
            f"{p} is an nbformat {major} notebook that could not be converted to nbformat 4 "
            f"({_first_clause(error)}); open it in a current Jupyter, save it and submit it again"
        )
    return {"cells": cells}


def _old_code_cells(doc: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Every cell of an nbformat 1-3 notebook in order (code cells with their ``input`` as ``source``);
    None unless it has the shape those versions have (worksheets of cells, or cells for version 1)."""
    worksheets = doc.get("worksheets")
    if worksheets is None and isinstance(doc.get("cells"), list):
        worksheets = [{"cells": doc["cells"]}]  # nbformat 1
    if not isinstance(worksheets, list) or not worksheets:
        return None
    cells: list[dict[str, Any]] = []
    for worksheet in worksheets:
        if not isinstance(worksheet, dict) or not isinstance(worksheet.get("cells"), list):
            return None
        for cell in worksheet["cells"]:
            if isinstance(cell, dict) and cell.get("cell_type") == "code":
                source = cell.get("input", cell.get("code", ""))
                cells.append({"cell_type": "code", "source": _source_text(source)})
            else:
                cells.append({"cell_type": "other"})
    return cells


def _first_clause(e: BaseException) -> str:
    """The start of an exception's message, for a one-line error (never empty)."""
    text = " ".join(str(e).split()).split("; ")[0]
    if len(text) > 120:
        text = text[:117] + "..."
    return text or type(e).__name__


def _not_a_notebook(p: Path) -> str:
    return (
        f"{p} is JSON but not a Jupyter notebook (no 'nbformat'/'cells'); "
        "submit the .ipynb file that Jupyter saved"
    )


def _source_text(source: Any) -> str:
    """nbformat rejoins list sources; be lenient with hand-edited files anyway."""
    if isinstance(source, list):
        return "".join(str(s) for s in source)
    return source if isinstance(source, str) else ""


_PERCENT = re.compile(r"^#\s*%%(?=\s|\[|$)(.*)$")  # not "# %%time", a commented cell magic
_IN_PROMPT = re.compile(r"^#\s*In\s*\[[^\]]*\]\s*:?\s*$")
_NON_CODE = re.compile(r"\[\s*(markdown|md|raw)\s*\]", re.IGNORECASE)


def _split_py(text: str, p: Path, notes: list[str]) -> list[tuple[int, str]]:
    """Cells of a percent-format (``# %%``) or nbconvert (``# In[3]:``) export.

    A file with no marker is one code cell (with a note: its line numbers are the
    file's).  Text before the first marker is a cell only if it holds code (not
    just a shebang / jupytext header comments), so cell numbers match the
    notebook the file was exported from.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    blocks: list[tuple[bool, list[str]]] = []  # (is_code, lines)
    current: list[str] = []
    current_code = True
    preamble = True
    for line in lines:
        m = _PERCENT.match(line)
        if m or _IN_PROMPT.match(line):
            if not preamble or any(s.strip() and not s.lstrip().startswith("#") for s in current):
                blocks.append((current_code, current))
            preamble = False
            current = []
            current_code = not (m and _NON_CODE.search(m.group(1)))
            continue
        current.append(line)
    blocks.append((current_code, current))
    if preamble:
        notes.append(f"{p} has no cell markers ('# %%' or '# In[1]:'); the whole file was read as one cell, "
                     "so 'cell 1, line N' means line N of the file")
    out: list[tuple[int, str]] = []
    for i, (is_code, body) in enumerate(blocks, start=1):
        if is_code:
            out.append((i, "\n".join(body) + ("\n" if body else "")))
    return out


# ----------------------------------------------------------------------- IPython


_CELL_MAGIC = re.compile(r"^\s*%%\s*([A-Za-z_][\w.-]*)")


def _neutralise_cell(index: int, original: str) -> tuple[str, CellProblem | None]:
    """The cell as plain Python, or a CellProblem when it is not Python at all."""
    text = original.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        m = _CELL_MAGIC.match(line)
        if m is None:
            break
        name = m.group(1)
        if name not in PYTHON_CELL_MAGICS:
            return "", CellProblem(
                cell=index,
                line=lineno,
                message=f"cell magic %%{name} is not Python; cell skipped",
            )
        lines[lineno - 1] = ""  # keep the body as Python, keep the line numbers
        text = "\n".join(lines)
        break
    return neutralise(text), None


_manager = TransformerManager()


def neutralise(text: str) -> str:
    """Rewrite IPython line syntax into calls; the result has ``text``'s line count.

    IPython drops leading blank lines and joins ``\\``-continued magics; when the
    line count changes we fall back to rewriting line by line.  If IPython
    itself fails, the text is returned unchanged and the syntax error surfaces
    when the cell is parsed.
    """
    lines = text.split("\n")
    k = 0
    while k < len(lines) and not lines[k].strip():
        k += 1
    if k == len(lines):
        return text
    body = "\n".join(lines[k:])
    try:
        out = _manager.transform_cell(body)
    except Exception:  # IPython's own bug or odd input: parse the original instead
        return text
    if not body.endswith("\n") and out.endswith("\n"):
        out = out[:-1]
    if out.count("\n") != body.count("\n"):
        out = "\n".join(_neutralise_line(line) for line in lines[k:])
    return "\n" * k + out


def _neutralise_line(line: str) -> str:
    """One line on its own, indentation kept; unchanged unless it looks like IPython syntax."""
    stripped = line.strip()
    if not (stripped.startswith(("%", "!")) or stripped.endswith("?")):
        return line
    indent = line[: len(line) - len(line.lstrip())]
    try:
        out = _manager.transform_cell(line.lstrip())
    except Exception:
        return line
    out = out.rstrip("\n")
    return line if "\n" in out else indent + out
