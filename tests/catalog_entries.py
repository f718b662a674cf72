"""The catalog: known-good and known-bad implementations, the verdict in the file name.

``tests/catalog/<assignment>/<Item>/good_*.py`` must pass every check of the item;
``bad_*.py`` must fail at least one of the checks named on its docstring's
``Caught by:`` line.  A good entry that is an accepted variant worth a warning names the
warning-only checks it must trigger on a ``Warns:`` line (they cost nothing).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

CATALOG = Path(__file__).parent / "catalog"


@dataclass(frozen=True)
class Entry:
    path: Path
    assignment: str
    item: str
    good: bool
    caught_by: tuple[str, ...]
    warns: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.assignment}/{self.item}/{self.path.stem}"


def entries() -> list[Entry]:
    found = []
    for path in sorted(CATALOG.glob("*/*/*.py")):
        item_dir = path.parent
        if not path.name.startswith(("good_", "bad_")):
            continue
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        match = re.search(r"Caught by:\s*(.+)", doc)
        caught = tuple(c.strip() for c in match.group(1).split(",")) if match else ()
        match = re.search(r"Warns:\s*(.+)", doc)
        warns = tuple(c.strip() for c in match.group(1).split(",")) if match else ()
        found.append(Entry(path, item_dir.parent.name, item_dir.name, path.name.startswith("good_"), caught, warns))
    return found
