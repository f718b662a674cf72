"""A student's self-check: the public checks of one notebook, as one call from a path to a result."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from grader import assignment as assignments
from grader.assignment import Item, public_items
from grader.checks.core import not_found_result
from grader.grade import GradeOptions, Progress, grade, resolve_and_slice
from grader.notebook import read_submission
from grader.results import GradeResult, ItemResult, SandboxSummary
from grader.sandbox.common.limits import Limits
from grader.selfcheck.saved import saved_note
from grader.selfcheck.unfinished import mark_unfinished, template_sources, untouched

__all__ = ["SelfCheckResult", "self_check"]


@dataclass(frozen=True)
class SelfCheckResult:
    """The public checks' results and what the student needs to read them right."""

    result: GradeResult  #: public checks only; unfinished items' checks read "not implemented yet"
    hidden_checks: bool  #: the grade also uses checks that did not run here
    unfinished: tuple[str, ...]  #: items not implemented yet
    saved: str  #: which file was graded and how old it is (or why it may be stale)
    stale: bool  #: the file is older than what the editor last saved

    def __repr__(self) -> str:
        """One line: a notebook cell ending in ``check(…)`` shows it under the report, not a dump of every check."""
        return (f"SelfCheckResult({self.result.submission!r}: {self.passed}/{self.total} public checks passed"
                f"{', hidden checks not run' if self.hidden_checks else ''})")

    @property
    def passed(self) -> int:
        return sum(c.outcome == "passed" for i in self.result.items for c in i.checks if c.max_points > 0)

    @property
    def total(self) -> int:
        return sum(1 for i in self.result.items for c in i.checks if c.max_points > 0 or c.outcome == "failed")


def _has_hidden(name: str) -> bool:
    """Whether the graded checks go beyond the public ones.  A student bundle's assignment says so itself
    (``HIDDEN_CHECKS``), since it holds public checks only; on the instructor's side it is counted."""
    import importlib

    module = importlib.import_module(f"{assignments.ASSIGNMENTS_PACKAGE}.{name}")
    declared = getattr(module, "HIDDEN_CHECKS", None)
    if declared is not None:
        return bool(declared)
    chosen = assignments.get(name)
    public = {(i.name, c.name) for i in assignments.public_items(chosen.items, chosen) for c in i.checks}
    return any((i.name, c.name) not in public for i in chosen.items for c in i.checks)


def self_check(path: str | Path, assignment: str | None = None, seed: int = 0, limits: Limits = Limits(),
               progress: Progress | None = None) -> SelfCheckResult:
    """Run the public checks on the saved notebook at ``path`` (raises BadInput and kin like ``grade``)."""
    saved, stale = saved_note(path)
    options = GradeOptions(assignment=assignment, seed=seed, limits=limits, public_only=True)
    notebook = read_submission(path)
    names, extraction = resolve_and_slice(notebook, options)
    template = template_sources(names.assignment)
    # an item still as the template has it fails every check anyway: its worker is not even started
    # (and an item without public checks needs no worker either)
    unchanged = untouched(notebook, template)
    public = public_items(names.items, names.assignment)
    to_run = tuple(item.name for item in public if item.checks and names.graded[item.name] not in unchanged)
    if to_run:
        result = grade(path, dataclasses.replace(options, items=to_run), progress)
    else:
        result = GradeResult(names.assignment.name, str(path), (), extraction.summary, SandboxSummary((), ()),
                             notebook.notes)
    ran = {item.name: item for item in result.items}
    items = tuple(ran.get(item.name) or _unrun(item, names.graded[item.name], extraction.found)
                  for item in public)
    items, unfinished = mark_unfinished(items, notebook, template)
    return SelfCheckResult(dataclasses.replace(result, items=items), _has_hidden(names.assignment.name),
                           unfinished, saved, stale)


def _unrun(item: Item, name: str, found: dict[str, tuple[int, int]]) -> ItemResult:
    """The result of an item whose checks did not run (``mark_unfinished`` then says why)."""
    where = found.get(name)
    return ItemResult(item.name, name if where else None, f"cell {where[0]}, line {where[1]}" if where else None,
                      tuple(not_found_result(check, "not implemented yet") for check in item.checks))
