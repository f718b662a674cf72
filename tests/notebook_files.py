"""Notebook files the tests need that are too big to keep in the repository."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat


def write_with_huge_output(path: Path, source: str, megabytes: int = 200) -> Path:
    """One code cell holding ``source`` whose stdout output is ``megabytes`` MiB of text, streamed to disk."""
    cell = nbformat.v4.new_code_cell(source, outputs=[nbformat.v4.new_output("stream", name="stdout", text="@@")])
    head, tail = json.dumps(nbformat.v4.new_notebook(cells=[cell])).split("@@")
    chunk = "x" * (1 << 20)
    with path.open("w", encoding="utf-8") as f:
        f.write(head)
        for _ in range(megabytes):
            f.write(chunk)
        f.write(tail)
    return path
