"""Is the saved notebook the one the student is looking at?

Self-check grades the file on disk.  What can be known from outside the editor: the file's
modification time (shown, so a student sees "saved 40 min ago"), and Jupyter's checkpoint
(``.ipynb_checkpoints/<name>-checkpoint.ipynb``, written on every explicit save; autosave, every two
minutes by default, writes the file itself).  A checkpoint newer than the file and different from it
means the file being graded is older than what the editor last saved (a copy put back, another
folder's file): that is warned about.  What cannot be known: edits not saved or autosaved yet, which
live only in the browser (Colab keeps its notebook in Drive and writes no checkpoint next to it).  So
self-check always says which file it grades and how old it is, and warns when it can tell more.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

__all__ = ["saved_note"]


def _cells(path: Path) -> list[str] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    cells = doc.get("cells") if isinstance(doc, dict) else None
    if not isinstance(cells, list):
        return None
    return ["".join(c.get("source", "")) if isinstance(c.get("source"), list) else str(c.get("source", ""))
            for c in cells if isinstance(c, dict)]


def saved_note(path: str | Path, now: float | None = None) -> tuple[str, bool]:
    """(a line naming the file and its age, whether the editor seems to hold unsaved changes)."""
    p = Path(path)
    now = time.time() if now is None else now
    try:
        saved = p.stat().st_mtime
    except OSError:
        return f"grading the saved file {p}", False
    age = max(now - saved, 0.0)
    when = f"{age:.0f} s ago" if age < 120 else f"{age / 60:.0f} min ago" if age < 7200 else time.strftime(
        "%Y-%m-%d %H:%M", time.localtime(saved))
    line = f"grading the saved file {p} (saved {when}); save the notebook first to check your latest changes"
    checkpoint = p.parent / ".ipynb_checkpoints" / f"{p.stem}-checkpoint{p.suffix}"
    if p.suffix != ".ipynb" or not checkpoint.is_file():
        return line, False
    newer = checkpoint.stat().st_mtime > saved + 1.0
    if newer and _cells(checkpoint) != _cells(p):
        return (f"{checkpoint} is newer than {p} and differs from it: the notebook open in Jupyter has changes "
                f"that are not in the file being graded; save it (Ctrl+S / Cmd+S) and run the check again"), True
    return line, False
