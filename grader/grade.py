"""Grade one submission: the whole data path as one call from a path to a GradeResult.

One way through, each step once: read the notebook → parse every cell
(:func:`grader.extract.parse_notebook`) → resolve names (:func:`grader.names.resolve`:
the assignment, the items, each item's graded name) → slice
(:func:`grader.extract.extract`) → per item: the integrity policy on its slice, an
executor started from that slice (:class:`grader.sandbox.judge.items.ItemSandboxes`), its
checks → report.  No printing here; progress goes to an optional callback so that
reporters decide what to show.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator, Sequence

from hypothesis import given, settings
from hypothesis.strategies import floats

from grader.assignment import Item, public_items
from grader.checks import requirements
from grader.checks.core import Check, ItemContext, not_found_result, run_check, skipped_result
from grader.checks.search import private_hypothesis_storage
from grader.extract import Extraction, Statement, extract, parse_notebook
from grader.integrity import check_statements, forbidden_mapping
from grader.names import GradedNames, resolve
from grader.notebook import Notebook, read_submission
from grader.results import CellProblem, CheckResult, ExtractionSummary, GradeResult, ItemResult, SandboxSummary
from grader.sandbox.common.limits import Limits
from grader.sandbox.judge.client import Failure
from grader.sandbox.judge.items import ItemSandboxes

Progress = Callable[[str, str], None]  #: (item, check) about to run


@dataclass(frozen=True)
class GradeOptions:
    assignment: str | None = None  #: None: detect from the graded names
    seed: int = 0  #: base seed of every random choice; the same seed gives the same grade
    limits: Limits = field(default_factory=Limits)
    aliases: tuple[tuple[str, str], ...] = ()  #: (item, name in the notebook) from the command line
    items: tuple[str, ...] = ()  #: grade only these items (default: all)
    smoke: bool = False  #: also run the ``smoke`` group (training smoke tests; zero points, see README)
    #: requirements the machine meets (e.g. {"cuda"}); None: detected (grader.checks.requirements)
    available: frozenset[str] | None = None
    public_only: bool = False  #: a student's self-check: each item's public checks instead of its graded ones


def grade(path: str | Path, options: GradeOptions = GradeOptions(), progress: Progress | None = None) -> GradeResult:
    started = time.perf_counter()
    notebook = read_submission(path)
    names, extraction = resolve_and_slice(notebook, options)
    if options.public_only:
        names = replace(names, items=public_items(names.items, names.assignment))
    available = requirements.detect() if options.available is None else options.available
    # Executors start for CUDA (cgroup only, device nodes open: Limits.gpu) only when a check to run needs it.
    needs_gpu = "cuda" in available and any("cuda" in c.requires for i in names.items for c in _selected(i, options))
    limits = replace(options.limits, gpu=True) if needs_gpu else options.limits
    sandboxes = ItemSandboxes(extraction, limits)
    try:
        with _single_threaded_torch(), private_hypothesis_storage():
            _warm_up_judge()  # while the zygote warms up its own torch: the first spawn waits for it
            items = []
            for index, item in enumerate(names.items):
                following = names.graded[names.items[index + 1].name] if index + 1 < len(names.items) else None
                if following in extraction.found:  # its executor starts while this item is graded
                    sandboxes.launch(following)
                items.append(_grade_selected(item, names, extraction, sandboxes, options, available, progress))
    finally:
        sandboxes.close()
    return GradeResult(
        assignment=names.assignment.name, submission=str(path), items=tuple(items),
        extraction=_summary(extraction, sandboxes.load_failures, names),
        sandbox=SandboxSummary(limits_applied=sandboxes.limits_applied,
                               limits_not_applied=sandboxes.limits_not_applied,
                               stdout=sandboxes.stdout, stderr=sandboxes.stderr, restarts=sandboxes.restarts),
        warnings=notebook.notes, duration_s=time.perf_counter() - started)


def resolve_and_slice(notebook: Notebook, options: GradeOptions) -> tuple[GradedNames, Extraction]:
    """Everything decided before anything runs: each cell parsed once, names resolved once, the slices cut."""
    parsed = parse_notebook(notebook)
    names = resolve(parsed, options.assignment, options.aliases, options.items, notebook.path)
    return names, extract(parsed, list(names.graded.values()))


def _warm_up_judge() -> None:
    """A backward pass with given output gradients first imports torch's symbolic shapes (sympy, a quarter
    of a second): do it now, while the judge would otherwise wait for the zygote's warm-up, rather than
    inside the first gradient check."""
    import torch

    x = torch.ones(2, requires_grad=True)
    (x * x).backward(torch.ones(2))
    _warm_up_hypothesis()


@settings(database=None, derandomize=True, max_examples=1, deadline=None)
@given(floats())
def _warm_up_hypothesis(value: float) -> None:
    """Hypothesis reads the constants of every loaded module's source on its first draw (another quarter
    of a second): let that happen here too, with the assignment's modules already loaded."""


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


def _selected(item: Item, options: GradeOptions) -> list[Check]:
    """The item's checks this run asks for: those of no group, and the smoke group with --smoke."""
    groups = {""} | ({"smoke"} if options.smoke else set())
    return [c for c in item.checks if c.group in groups]


def _grade_selected(item: Item, names: GradedNames, extraction: Extraction, sandboxes: ItemSandboxes,
                    options: GradeOptions, available: frozenset[str], progress: Progress | None) -> ItemResult:
    """Grade the item's checks that apply to this run: an optional group only when asked for, and a check
    whose requirement this machine lacks reported skipped, whatever became of the item (missing, blocked)."""
    selected = _selected(item, options)
    skipped = {c.name: r for c in selected for r in [skipped_result(c, available)] if r is not None}
    runnable = replace(item, checks=tuple(c for c in selected if c.name not in skipped))
    graded = _grade_item(runnable, names, extraction, sandboxes, options.seed, available, progress)
    if not skipped and len(selected) == len(item.checks):
        return graded
    by_name = {c.name: c for c in graded.checks}
    extra = tuple(c for c in graded.checks if c.name not in {s.name for s in selected})  # e.g. "integrity"
    checks = extra + tuple(skipped.get(c.name) or by_name[c.name] for c in selected)
    return replace(graded, checks=checks)


def _grade_item(item: Item, names: GradedNames, extraction: Extraction, sandboxes: ItemSandboxes, seed: int,
                available: frozenset[str], progress: Progress | None) -> ItemResult:
    name = names.graded[item.name]
    blocked = integrity_result(item, [extraction.statements[i] for i in extraction.needs.get(name, ())])
    if blocked is not None:
        return blocked
    location = extraction.found.get(name)
    if location is None:
        return _not_found(item, names.hint(item))
    where = f"cell {location[0]}, line {location[1]}"
    sandbox = sandboxes.start(name)
    try:
        problem = _load_problem(extraction, sandboxes.load_failures, name)
        if problem:
            return ItemResult(item.name, name, where, tuple(not_found_result(c, problem) for c in item.checks),
                              problem)
        ctx = ItemContext(sandbox=sandbox, item=item.name, name=name, seed=seed, available=available)
        results: list[CheckResult] = []
        for check in item.checks:
            if progress:
                progress(item.name, check.name)
            results.append(run_check(check, ctx))
    finally:
        sandbox.close()
    alias_note = f"graded `{name}` as `{item.name}`" if name != item.name else ""
    return ItemResult(item.name, name, where, tuple(results), alias_note)


def _not_found(item: Item, hint: str) -> ItemResult:
    message = (f"`{item.name}` was not found in the submission: define "
               f"{_article(item.kind)} {item.kind} named exactly `{item.name}`")
    if hint:
        message = f"{message}. {hint}"
    return ItemResult(item.name, None, None, tuple(not_found_result(c, message) for c in item.checks), message)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _load_problem(extraction: Extraction, load_failures: dict[int, Failure], name: str) -> str:
    """Why ``name``, or a statement it needs, did not load, if that happened (the first in load order)."""
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


def _summary(extraction: Extraction, load_failures: dict[int, Failure], names: GradedNames) -> ExtractionSummary:
    """The extraction's report, with every statement that failed to load and the aliases graded."""
    summary = extraction.summary
    skipped = tuple(CellProblem(extraction.statements[index].cell, extraction.statements[index].line,
                                f"{failure.summary} (statement skipped)")
                    for index, failure in sorted(load_failures.items()))
    return ExtractionSummary(kept=summary.kept, dropped=summary.dropped, missing=summary.missing,
                             cell_problems=summary.cell_problems + skipped, aliases=names.aliases)


def integrity_result(item: Item, statements: Sequence[Statement]) -> ItemResult | None:
    """The failing ItemResult of an item whose slice breaks the policy (None when it is clean):
    a check named ``integrity`` fails with every violation, and every check of the item fails "not run"."""
    violations = check_statements([(s.cell, s.line, s.source) for s in statements], forbidden_mapping(item))
    if not violations:
        return None
    first = violations[0]
    shown = violations[:10]
    more = f" (and {len(violations) - len(shown)} more)" if len(violations) > len(shown) else ""
    message = "integrity violation: " + "; ".join(v.message for v in shown) + more
    not_run = f"not run: integrity violation at cell {first.cell}, line {first.line} (rule `{first.rule}`)"
    names = {item.name, *getattr(item, "aliases", ()), *getattr(item, "redefined_aliases", ())}
    where = next((f"cell {s.cell}, line {s.line}" for s in reversed(list(statements))
                  if names & set(getattr(s, "binds", ()))), None)
    found_as = item.name if where else None
    checks = (CheckResult("integrity", "uses nothing the code-integrity policy denies", "failed", 0.0, 0.0,
                          message),
              *(not_found_result(check, not_run) for check in item.checks))
    return ItemResult(item.name, found_as, where, checks, message)
