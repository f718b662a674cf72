"""Grade one submission: the whole data path as one call from a path to a GradeResult.

notebook → extract → sandbox → checks → results.  No printing here; progress goes
to an optional callback so that reporters decide what to show.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from grader import assignment as assignments
from grader.assignment import Assignment, Item
from grader.checks.core import ItemContext, not_found_result, run_check
from grader.checks.search import private_hypothesis_storage
from grader.definitions import Definition, definitions
from grader.errors import BadInput
from grader.extract import Extraction, extract, top_level_names
from grader.integrity import integrity_result
from grader.notebook import read_submission
from grader.results import CellProblem, CheckResult, ExtractionSummary, GradeResult, ItemResult, SandboxSummary
from grader.sandbox.client import Failure, Sandbox
from grader.sandbox.items import ItemSandboxes
from grader.sandbox.limits import Limits
from grader.suggest import advice, candidates

Progress = Callable[[str, str], None]  #: (item, check) about to run


@dataclass(frozen=True)
class GradeOptions:
    assignment: str | None = None  #: None: detect from the graded names
    seed: int = 0  #: base seed of every random choice; the same seed gives the same grade
    limits: Limits = field(default_factory=Limits)
    aliases: tuple[tuple[str, str], ...] = ()  #: (item, name in the notebook) from the command line
    items: tuple[str, ...] = ()  #: grade only these items (default: all)


def grade(path: str | Path, options: GradeOptions = GradeOptions(), progress: Progress | None = None) -> GradeResult:
    started = time.perf_counter()
    notebook = read_submission(path)
    sandboxes: ItemSandboxes | None = None
    try:
        defined = set(top_level_names(notebook))
        # an item aliased on the command line (--alias Dropout=MyDropout) is defined when its NAME is
        defined |= {item for item, name in options.aliases if name in defined}
        if options.assignment:
            chosen = assignments.get(options.assignment)
            assignments.check_matches(chosen, defined, str(path))
        else:
            chosen = assignments.detect(defined)
        _check_aliases(chosen, options.aliases)
        selected = _selected_items(chosen, options.items)
        found_definitions = definitions(notebook)
        names = _graded_names(selected, defined, dict(options.aliases), _defined_twice(found_definitions))
        extraction = extract(notebook, list(names.values()))
        sandboxes = ItemSandboxes(extraction, options.limits)
        hints = {item.name: _suggestions(item, chosen, found_definitions, names)
                 for item in selected if names[item.name] not in extraction.found}
        with _single_threaded_torch(), private_hypothesis_storage():
            items = tuple(_grade_item(item, names[item.name], extraction, sandboxes, options.seed, progress,
                                      hints.get(item.name, ""))
                          for item in selected)
    finally:
        if sandboxes is not None:
            sandboxes.close()
    summary = _with_load_problems(extraction, sandboxes, names)
    return GradeResult(
        assignment=chosen.name, submission=str(path), items=items, extraction=summary,
        sandbox=SandboxSummary(limits_applied=sandboxes.limits_applied,
                               limits_not_applied=sandboxes.limits_not_applied,
                               stdout=sandboxes.stdout, stderr=sandboxes.stderr, restarts=sandboxes.restarts),
        warnings=notebook.notes, duration_s=time.perf_counter() - started)


@contextmanager
def _single_threaded_torch() -> Iterator[None]:
    """The judge's reference computations are tiny: on a shared machine torch's thread pool makes them
    up to 100 times slower, not faster (the worker runs single-threaded for the same reason)."""
    import torch  # already imported with the assignment

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _selected_items(chosen: Assignment, wanted: tuple[str, ...]) -> tuple[Item, ...]:
    if not wanted:
        return chosen.items
    unknown = sorted(set(wanted) - set(chosen.graded_names))
    if unknown:
        raise BadInput(f"{chosen.name} has no item {', '.join(unknown)}; its items are "
                       f"{', '.join(chosen.graded_names)}")
    return tuple(item for item in chosen.items if item.name in wanted)


def _check_aliases(chosen: Assignment, aliases: tuple[tuple[str, str], ...]) -> None:
    unknown = [f"{item}={name}" for item, name in aliases if item not in chosen.graded_names]
    if unknown:
        raise BadInput(f"{chosen.name} has no item to alias in --alias {', '.join(unknown)}; its items are "
                       f"{', '.join(chosen.graded_names)}")


def _defined_twice(found: list[Definition]) -> set[str]:
    names = [d.name for d in found if d.kind != "instance"]
    return {name for name in names if names.count(name) > 1}


def _graded_names(items: tuple[Item, ...], defined: set[str], explicit: dict[str, str],
                  defined_twice: set[str]) -> dict[str, str]:
    """Item name → the name to grade: an explicit alias, the name itself, or a declared alias."""
    names = {}
    for item in items:
        if item.name in explicit:
            names[item.name] = explicit[item.name]
        elif item.name in defined:
            names[item.name] = item.name
        else:
            declared = [a for a in item.aliases if a in defined]
            declared += [a for a in item.redefined_aliases if a in defined_twice]
            names[item.name] = declared[0] if declared else item.name
    return names


def _suggestions(item: Item, chosen: Assignment, found: list[Definition], names: dict[str, str]) -> str:
    """What to tell the instructor when ``item`` is missing: definitions that look like it."""
    taken = set(names.values()) | set(chosen.graded_names)
    expected = chosen.template_definitions().get(item.name)
    return advice(item.name, candidates(item.name, expected, found, taken))


def _grade_item(item: Item, name: str, extraction: Extraction, sandboxes: ItemSandboxes, seed: int,
                progress: Progress | None, hint: str) -> ItemResult:
    blocked = integrity_result(item, [extraction.statements[i] for i in extraction.needs.get(name, ())])
    if blocked is not None:
        return blocked
    location = extraction.found.get(name)
    where = f"cell {location[0]}, line {location[1]}" if location else None
    found_as = name if location else None
    if location is None:
        return _not_found(item, hint)
    sandbox = sandboxes.start(name)
    try:
        return _grade_loaded(item, name, extraction, sandbox, sandboxes.item_load_failures(name, sandbox), seed,
                             progress, (found_as, where))
    finally:
        sandbox.close()


def _not_found(item: Item, hint: str) -> ItemResult:
    message = (f"`{item.name}` was not found in the submission: define "
               f"{_article(item.kind)} {item.kind} named exactly `{item.name}`")
    if hint:
        message = f"{message}. {hint}"
    return ItemResult(item.name, None, None, tuple(not_found_result(c, message) for c in item.checks), message)


def _grade_loaded(item: Item, name: str, extraction: Extraction, sandbox: Sandbox, load_failures: dict[int, Failure],
                  seed: int, progress: Progress | None, found: tuple[str | None, str | None]) -> ItemResult:
    found_as, where = found
    problem = _load_problem(extraction, load_failures, name)
    if problem:
        return ItemResult(item.name, found_as, where, tuple(not_found_result(c, problem) for c in item.checks),
                          problem)
    ctx = ItemContext(sandbox=sandbox, item=item.name, name=name, seed=seed)
    results: list[CheckResult] = []
    for check in item.checks:
        if progress:
            progress(item.name, check.name)
        results.append(run_check(check, ctx))
    alias_note = f"graded `{name}` as `{item.name}`" if name != item.name else ""
    return ItemResult(item.name, found_as, where, tuple(results), alias_note)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _load_problem(extraction: Extraction, load_failures: dict[int, Failure], name: str) -> str:
    """Why ``name``, or a statement it needs, did not load, if that happened."""
    for index in extraction.needs.get(name, ()):
        failure = load_failures.get(index)
        if failure is None:
            continue
        statement = extraction.statements[index]
        if name in statement.binds:
            return (f"the definition of `{name}` (cell {statement.cell}, line {statement.line}) failed to "
                    f"run: {failure.summary}")
        what = ", ".join(f"`{b}`" for b in statement.binds) or "a statement"
        return (f"{what} (cell {statement.cell}, line {statement.line}), which `{name}` needs, failed to run: "
                f"{failure.summary}")
    return ""


def _with_load_problems(extraction: Extraction, sandboxes: ItemSandboxes, names: dict[str, str]) -> ExtractionSummary:
    summary = extraction.summary
    problems = list(summary.cell_problems)
    for index, failure in sorted(sandboxes.load_failures.items()):
        statement = extraction.statements[index]
        problems.append(CellProblem(statement.cell, statement.line, f"{failure.summary} (statement skipped)"))
    aliases = tuple((item, name) for item, name in names.items() if item != name)
    return ExtractionSummary(kept=summary.kept, dropped=summary.dropped, missing=summary.missing,
                             cell_problems=tuple(problems), aliases=aliases)
