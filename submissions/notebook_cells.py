"""Building blocks for the generated notebooks: cells, notebooks, percent-format exports, files.

Generic: nothing here knows an assignment.  Each ``<assignment>_examples.py`` module describes its
template as a list of named cells and its example submissions as answers swapped in by name; this
module turns them into deterministic files (fixed cell ids, sorted JSON keys, no timestamps), so
that running ``python submissions/make_examples.py`` twice gives byte-identical files.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

__all__ = [
    "ROOT", "SUBMISSIONS", "KERNELSPEC", "JUPYTEXT_HEADER",
    "Cell", "src", "md", "code", "stream", "assemble", "notebook",
    "comment_magics", "percent_script", "write", "write_notebook",
]

#: ``submissions/`` (this module's folder) and the repository root above it.
SUBMISSIONS = Path(__file__).resolve().parent
ROOT = SUBMISSIONS.parent

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}

JUPYTEXT_HEADER = """\
# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.16.1
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---
"""


def src(text: str) -> str:
    """Dedent a triple-quoted cell source and strip the surrounding blank lines."""
    return textwrap.dedent(text).strip("\n")


@dataclass(frozen=True)
class Cell:
    kind: str  # "markdown" or "code"
    source: str
    outputs: tuple[dict, ...] = field(default=())
    execution_count: int | None = None


def md(text: str) -> Cell:
    return Cell("markdown", src(text))


def code(text: str, *, outputs: tuple[dict, ...] = (), execution_count: int | None = None) -> Cell:
    return Cell("code", src(text), outputs, execution_count)


def stream(text: str) -> dict:
    """A stdout stream output (a training log) holding ``text``, dedented."""
    return nbformat.v4.new_output("stream", name="stdout", text=src(text) + "\n")


def assemble(
    template: list[tuple[str, Cell]],
    answers: dict[str, Cell] | None = None,
    *,
    before: tuple[Cell, ...] = (),
    after: dict[str, tuple[Cell, ...]] | None = None,
) -> list[Cell]:
    """The template's cells with answers swapped in by name and extra cells placed after named ones.

    ``template`` lists (name, cell) in notebook order; ``before`` goes first (a Colab student's
    set-up cells).  An unknown name in ``answers`` or ``after`` is an error, so a renamed template
    cell cannot silently drop an answer.
    """
    answers = answers or {}
    after = after or {}
    names = {name for name, _ in template}
    unknown = sorted((set(answers) | set(after)) - names)
    if unknown:
        raise KeyError(f"not template cells: {', '.join(unknown)}")
    cells = list(before)
    for name, cell in template:
        cells.append(answers.get(name, cell))
        cells.extend(after.get(name, ()))
    return cells


def notebook(cells: list[Cell], slug: str, *, colab_name: str | None = None) -> nbformat.NotebookNode:
    """A v4 notebook of ``cells`` with ids ``<slug>-000``, ``<slug>-001``, ...

    ``colab_name``: the notebook was saved by Google Colab under that name (Colab's metadata and a
    GPU accelerator are added); None for a plain Jupyter notebook.
    """
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    if colab_name is not None:
        nb.metadata["accelerator"] = "GPU"
        nb.metadata["colab"] = {"name": colab_name, "provenance": []}
    for i, cell in enumerate(cells):
        cell_id = f"{slug}-{i:03d}"
        if cell.kind == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(cell.source, id=cell_id))
        else:
            nb.cells.append(
                nbformat.v4.new_code_cell(
                    cell.source,
                    id=cell_id,
                    outputs=list(cell.outputs),
                    execution_count=cell.execution_count,
                )
            )
    nbformat.validate(nb)
    return nb


def comment_magics(source: str) -> str:
    """Comment IPython magics and shell escapes the way jupytext does (``%x`` -> ``# %x``)."""
    lines = []
    for line in source.split("\n"):
        if line.lstrip().startswith(("%", "!")):
            indent = line[: len(line) - len(line.lstrip())]
            line = f"{indent}# {line.lstrip()}"
        lines.append(line)
    return "\n".join(lines)


def percent_script(cells: list[Cell]) -> str:
    """A jupytext percent-format export of the cells (outputs are dropped, as jupytext does)."""
    parts = [JUPYTEXT_HEADER]
    for cell in cells:
        if cell.kind == "markdown":
            body = "\n".join(f"# {line}" if line else "#" for line in cell.source.split("\n"))
            parts.append("# %% [markdown]\n" + body + "\n")
        else:
            parts.append("# %%\n" + comment_magics(cell.source) + "\n")
    return "\n".join(parts)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def write_notebook(path: Path, nb: nbformat.NotebookNode) -> None:
    write(path, nbformat.writes(nb, version=4) + "\n")
