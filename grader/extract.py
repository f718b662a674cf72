"""Cells -> the student module: only the top-level statements the graded names need.

Running a whole notebook would train models, download data sets and open plot
windows.  Instead this module *slices*: starting from the graded names it keeps
the top-level statements that bind them, then whatever those statements use,
transitively, and reports every statement it left out with the reason.

Semantics follow "Run all" in Jupyter:

* a name needed *late* (a graded name, or a global read inside a function or
  lambda body, which is looked up at call time) resolves to the LAST top-level
  binding in the notebook;
* a name needed *eagerly* by the statement at position ``i`` (an assignment's
  right-hand side, a decorator, a default value, a base class, a class body
  outside its methods) resolves to the last binding BEFORE ``i``.

A binding inside ``if``/``try``/``with`` may not happen, and ``x.a = ...`` /
``x[k] = ...`` change ``x`` without rebinding it, so those keep the earlier
binding too.  Statements that would train, download, plot, print, read input,
touch files, run shell commands or IPython magics are never kept, even when they
bind a needed name: resolution then falls back to the previous binding that can
be kept (the dropped one is reported with its reason).  Top-level loops,
expression statements and ``assert`` are never kept.  A definition is never
dropped for what its body does: a ``print`` (plot, loop...) in a class body runs
with the ``class`` statement in the worker, where its output is captured; only
its decorators, base classes and keywords (and a function's defaults) count.

Star imports: ``from M import *`` is kept when M is a well-known, side-effect-free
library (torch, numpy, math...; see ``SAFE_STAR_MODULES``) and some needed
non-builtin name has no explicit binding before its use; any other star import
is dropped and reported.  ``from __future__`` imports are always kept and placed
first, because Python only accepts them at the top of a module.

The work is split by job: :mod:`grader.extract_analysis` reads what each statement
binds, reads and calls; :mod:`grader.extract_rules` says which statements may never
be kept and why; this module resolves names to statements and writes the report.
Every function here takes a :class:`ParsedNotebook` (or a notebook, parsed on the
spot), so one grading parses each cell once for name listing, definitions and slicing.
"""

from __future__ import annotations

import builtins
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from grader.extract_analysis import ParsedNotebook, Unit, parse_notebook
from grader.extract_rules import NOT_NEEDED, SAFE_STAR_MODULES, classify
from grader.notebook import Notebook
from grader.results import DroppedStatement, ExtractionSummary

__all__ = ["Statement", "Extraction", "ParsedNotebook", "parse_notebook", "top_level_names", "extract",
           "SAFE_STAR_MODULES"]

_BUILTINS = frozenset(dir(builtins))
_END = 1 << 62  # "after the last statement": where late-bound names are looked up


@dataclass(frozen=True)
class Statement:
    """One kept top-level statement of the student module."""

    cell: int  #: Cell.index
    line: int  #: 1-based first line within the cell (decorators included)
    source: str  #: exact source text (decorators included), starts at column 0
    binds: tuple[str, ...]  #: top-level names it binds


@dataclass(frozen=True)
class Extraction:
    """The student module (as statements) and the report of how it was cut out."""

    statements: tuple[Statement, ...]  #: kept statements, document order (``__future__`` first)
    found: dict[str, tuple[int, int]]  #: graded name -> (cell, line) of the winning definition
    summary: ExtractionSummary
    #: graded name -> indices into ``statements`` of everything it needs (itself included)
    needs: dict[str, tuple[int, ...]] = field(default_factory=dict)


# ---------------------------------------------------------------- resolution


class _Resolver:
    """Which statements provide a name at a given point of "Run all"."""

    def __init__(self, units: list[Unit]) -> None:
        self.units = units
        #: name -> [(pos, kills earlier bindings)], keepable statements only, ascending
        self.providers: dict[str, list[tuple[int, bool]]] = {}
        for u in units:
            if u.block is not None:
                continue
            strong = set(u.binds.strong)
            for name in dict.fromkeys([*u.binds.strong, *u.binds.weak, *u.scan.walrus, *u.binds.mutates]):
                self.providers.setdefault(name, []).append((u.pos, name in strong))
        self.stars = [u.pos for u in units if u.star]

    def providers_of(self, name: str, before: int) -> Iterator[int]:
        """The last strong binding before ``before`` and every weak binding/mutation after it."""
        for pos, strong in reversed(self.providers.get(name, ())):
            if pos >= before:
                continue
            yield pos
            if strong:
                return
        if name not in _BUILTINS:
            yield from (p for p in self.stars if p < before)

    def needed(self, roots: Iterable[str]) -> set[int]:
        """Positions of every statement the roots need, transitively (a fixpoint)."""
        keep: set[int] = set()
        work = deque((name, _END) for name in roots)
        seen: set[tuple[str, int]] = set()
        while work:
            item = work.popleft()
            if item in seen:
                continue
            seen.add(item)
            for pos in self.providers_of(*item):
                if pos in keep:
                    continue
                keep.add(pos)
                scan = self.units[pos].scan
                work.extend((n, pos) for n in sorted(scan.eager))
                work.extend((n, _END) for n in sorted(scan.late))
        return keep

    def winner(self, name: str) -> Unit | None:
        """The statement whose binding of ``name`` is in effect after "Run all" (mutations aside)."""
        for u in reversed(self.units):
            if u.block is None and name in u.bound:
                return u
        return None


# ---------------------------------------------------------------- public API


def top_level_names(notebook: Notebook | ParsedNotebook) -> dict[str, tuple[int, int]]:
    """Every name bound at top level -> (cell, line) of its last binding, sorted by name.

    Counts every statement (also dropped ones) in parseable cells: used to
    recognise which assignment a submission is and to suggest near-miss names.
    """
    last: dict[str, tuple[int, int]] = {}
    for u in parse_notebook(notebook).units:
        for name in u.bound:
            last[name] = (u.cell, u.line)
    return dict(sorted(last.items()))


def extract(notebook: Notebook | ParsedNotebook, graded_names: Sequence[str]) -> Extraction:
    """Slice the statements that define ``graded_names`` (and what they need) out of ``notebook``
    (parsed here unless it already is)."""
    graded = list(dict.fromkeys(graded_names))
    parsed = parse_notebook(notebook)
    units, problems = parsed.fresh_units(), parsed.problems
    classify(units, graded)
    resolver = _Resolver(units)
    keep = resolver.needed(graded)
    futures = [u for u in units if u.future]
    kept = futures + [u for u in units if u.pos in keep and not u.future]

    found: dict[str, tuple[int, int]] = {}
    for g in graded:
        w = resolver.winner(g)
        if w is not None:
            found[g] = (w.cell, w.line)
    kept_pos = {u.pos for u in kept}
    dropped = tuple(
        DroppedStatement(cell=u.cell, line=u.line, summary=_first_line(u.source),
                         reason=u.block or _superseded(u, units, kept_pos) or NOT_NEEDED)
        for u in units
        if u.pos not in kept_pos
    )
    all_problems = sorted(
        [*problems, *parsed.notebook.skipped_cells], key=lambda p: (p.cell, p.line or 0, p.message)
    )
    summary = ExtractionSummary(
        kept=tuple(f"cell {u.cell}, line {u.line}: {_first_line(u.source)}" for u in kept),
        dropped=dropped,
        missing=tuple(g for g in graded if g not in found),
        cell_problems=tuple(all_problems),
    )
    statements = tuple(Statement(cell=u.cell, line=u.line, source=u.source, binds=u.bound) for u in kept)
    index_of = {u.pos: i for i, u in enumerate(kept)}
    needs = {g: tuple(sorted(index_of[p] for p in resolver.needed([g]) if p in index_of)) for g in found}
    return Extraction(statements=statements, found=found, summary=summary, needs=needs)


def _superseded(unit: Unit, units: list[Unit], kept_pos: set[int]) -> str | None:
    """'redefined later' when a kept statement further down binds the same name."""
    for later in units[unit.pos + 1:]:
        if later.pos in kept_pos:
            shared = sorted(set(unit.bound) & set(later.bound))
            if shared:
                return (f"{shared[0]} is defined again in cell {later.cell}, line {later.line}; "
                        "the last definition wins")
    return None


def _first_line(source: str, limit: int = 80) -> str:
    """First line, stripped, at most ``limit`` characters."""
    line = source.split("\n", 1)[0].strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"
