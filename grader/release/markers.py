"""Solution notebook → student template: the marker subset this grader understands.

Instructors write one notebook that runs, with regions marked in code cells (nbgrader's and Otter's
spelling; any number of ``#`` before the keyword)::

    ### BEGIN SOLUTION            the answer: removed from the template and replaced by the stub
    ### BEGIN PROMPT              (optional, inside a solution) the stub, each line commented out
    # resnet = nn.Sequential(     with "# " so that the solution still runs; "# " is removed
    # )
    ### END PROMPT
    ### END SOLUTION
    ### BEGIN HIDDEN              instructor-only lines (also ``### BEGIN HIDDEN TESTS``):
    ### END HIDDEN                removed, nothing in their place

Without a prompt the stub is ``# TODO: your code here`` and ``raise NotImplementedError()`` at the
marker's indentation.  In markdown cells a solution region becomes "YOUR ANSWER HERE".  Regions do not
nest (a prompt only inside a solution); an unclosed or stray marker is an error naming its cell and line.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

import nbformat

from grader.errors import BadInput

__all__ = ["MarkerError", "strip_cell", "template_notebook"]

_MARKER = re.compile(r"^(?P<indent>\s*)#+\s*(?P<what>BEGIN|END)\s+(?P<kind>SOLUTION|PROMPT|HIDDEN)(\s+TESTS)?\s*$")
DEFAULT_STUB = ("# TODO: your code here", "raise NotImplementedError()")
MARKDOWN_STUB = "YOUR ANSWER HERE"


class MarkerError(BadInput):
    """A solution notebook's markers do not pair up; fix the cell and line named in the message."""


@dataclass
class _Region:
    kind: str
    indent: str
    line: int
    prompt: list[str] | None = None


def _uncomment(line: str, indent: str) -> str:
    body = line[len(indent):] if line.startswith(indent) else line.lstrip()
    if body.startswith("# "):
        body = body[2:]
    elif body.startswith("#"):
        body = body[1:]
    return indent + body if body.strip() else ""


def strip_cell(source: str, cell: int, markdown: bool = False) -> str:
    """``source`` with every marked region replaced as described above (``cell`` only names errors)."""
    out: list[str] = []
    region: _Region | None = None
    prompt: _Region | None = None
    for number, line in enumerate(source.splitlines(), start=1):
        marker = _MARKER.match(line)
        where = f"cell {cell}, line {number}"
        if marker is None:
            if prompt is not None:
                prompt.prompt.append(_uncomment(line, prompt.indent))  # type: ignore[union-attr]
            elif region is None:
                out.append(line)
            continue
        what, kind, indent = marker["what"], marker["kind"], marker["indent"]
        if what == "BEGIN" and kind == "PROMPT":
            if region is None or region.kind != "SOLUTION" or prompt is not None:
                raise MarkerError(f"{where}: BEGIN PROMPT must be inside a SOLUTION region (and not nested)")
            prompt = _Region("PROMPT", indent, number, [])
        elif what == "END" and kind == "PROMPT":
            if prompt is None:
                raise MarkerError(f"{where}: END PROMPT without BEGIN PROMPT")
            assert region is not None
            region.prompt = prompt.prompt
            prompt = None
        elif what == "BEGIN":
            if region is not None:
                raise MarkerError(f"{where}: BEGIN {kind} inside the {region.kind} region opened at line "
                                  f"{region.line}; regions do not nest")
            region = _Region(kind, indent, number)
        else:
            if region is None or region.kind != kind or prompt is not None:
                raise MarkerError(f"{where}: END {kind} without a matching BEGIN {kind}")
            if kind == "SOLUTION":
                if markdown:
                    out.append(MARKDOWN_STUB)
                elif region.prompt is not None:
                    out.extend(region.prompt)
                else:
                    out.extend(region.indent + stub for stub in DEFAULT_STUB)
            region = None
    if region is not None or prompt is not None:
        opened = prompt or region
        assert opened is not None
        raise MarkerError(f"cell {cell}, line {opened.line}: BEGIN {opened.kind} is never closed")
    return "\n".join(out)


def template_notebook(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student's notebook: every region stripped, outputs and execution counts cleared."""
    template = copy.deepcopy(solution)
    for index, cell in enumerate(template.cells, start=1):
        if cell.cell_type not in ("code", "markdown"):
            continue
        cell.source = strip_cell(cell.source, index, markdown=cell.cell_type == "markdown")
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    template.metadata.pop("widgets", None)
    return template
