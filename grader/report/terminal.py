"""The report a person reads in a terminal, drawn with rich.

Layout: a header (assignment, submission, score), one panel per graded item (a row per
check: ✓ passed, ✗ failed, ⚠ warning (no points), ○ skipped; failures followed by their
message and counterexample, indented), the extraction report, sandbox notes, the
student's captured output (dimmed, only when there is some) and the total.

Every piece of graded text is a :class:`rich.text.Text`, never markup, so a student's
``print("[bold]")`` or a message like ``expected [1, 2]`` is shown as written; control
characters are shown as escapes (:func:`~grader.report._text.printable`).  Fits in 80
columns; without a TTY rich drops the colours and the symbols still tell the outcome.
"""

from __future__ import annotations

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from grader.report._text import fmt_points, plural, printable, skipped_note
from grader.report.causes import Cause, causes_by_check, find_causes, reference
from grader.results import CheckResult, ExtractionSummary, GradeResult, ItemResult, Outcome, SandboxSummary

#: Symbol and style per outcome.
SYMBOLS: dict[Outcome, tuple[str, str]] = {
    "passed": ("✓", "green"),
    "failed": ("✗", "bold red"),
    "warning": ("⚠", "yellow"),
    "skipped": ("○", "dim"),
}


def _t(text: str, style: str = "") -> Text:
    return Text(printable(text), style=style)


def _score_style(score: float, max_score: float) -> str:
    if max_score <= 0 or score >= max_score:
        return "bold green"
    return "bold yellow" if score > 0 else "bold red"


def _score(score: float, max_score: float) -> Text:
    return Text(f"{fmt_points(score)}/{fmt_points(max_score)}", style=_score_style(score, max_score))


def _header(result: GradeResult) -> RenderableType:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    grid.add_row("Assignment", _t(result.assignment))
    grid.add_row("Submission", _t(result.submission))
    score = _score(result.score, result.max_score)
    if result.max_score > 0:
        score.append(f"  ({100 * result.score / result.max_score:.0f}%)", style="")
    grid.add_row("Score", score)
    if skipped := skipped_note(result):
        grid.add_row("Skipped", _t(skipped, "dim"))
    return Panel(grid, title="Grading report", title_align="left", box=box.HEAVY, expand=True)


def _detail(check: CheckResult, cause: Cause | None = None) -> RenderableType | None:
    """The indented explanation under a check that did not simply pass."""
    parts: list[RenderableType] = []
    if check.outcome == "failed" and cause is not None:
        parts.append(_t(reference(cause), "red"))
    elif check.outcome == "failed":
        parts.append(_t(check.message or "Failed.", "red"))
        if check.counterexample:
            parts.append(Text("Counterexample:", style="bold"))
            parts.append(Padding(_t(check.counterexample, "cyan"), (0, 0, 0, 2)))
    elif check.outcome == "warning" and check.message:
        parts.append(_t(check.message, "yellow"))
    elif check.outcome == "skipped":
        parts.append(_t("Skipped: " + (check.message or "a requirement was not met."), "dim"))
    return Group(*parts) if parts else None


def _cause_panel(cause: Cause) -> RenderableType:
    """A cause shared by several failed checks, said once above them."""
    parts: list[RenderableType] = [_t(cause.title, "bold"), _t(cause.message, "red")]
    if cause.counterexample:
        parts.append(Text("Counterexample:", style="bold"))
        parts.append(Padding(_t(cause.counterexample, "cyan"), (0, 0, 0, 2)))
    title = Text(f"One cause of {len(cause.checks)} failed checks", style="bold red")
    return Panel(Group(*parts), title=title, title_align="left", border_style="red", box=box.ROUNDED)


def _check_table(checks: tuple[CheckResult, ...], *, with_details: bool,
                 causes: dict[str, Cause] | None = None) -> Table:
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(width=1, no_wrap=True)
    table.add_column(ratio=1, overflow="fold")
    table.add_column(justify="right", no_wrap=True)
    for check in checks:
        symbol, style = SYMBOLS[check.outcome]
        label = Text.assemble(_t(check.name, "bold"))
        if check.description:
            label.append(" — ")
            label.append(_t(check.description))
        if check.outcome == "warning":
            points = Text("warning", style="yellow")
        elif check.outcome == "skipped":
            points = Text(f"{fmt_points(check.points)}/{fmt_points(check.max_points)}", style="dim")
        else:
            points = _score(check.points, check.max_points)
        table.add_row(Text(symbol, style=style), label, points)
        detail = _detail(check, (causes or {}).get(check.name)) if with_details else None
        if detail is not None:
            table.add_row("", Padding(detail, (0, 0, 0, 2)), "")
    return table


def _border(item: ItemResult) -> str:
    outcomes = {c.outcome for c in item.checks}
    if item.found_as is None or "failed" in outcomes:
        return "red"
    return "yellow" if outcomes & {"warning", "skipped"} else "green"


def _item_panel(item: ItemResult, show_passed: bool) -> RenderableType:
    title = Text.assemble(_t(item.name, "bold"))
    if item.found_as is not None and item.found_as != item.name:
        title.append(" (graded ")
        title.append(_t(item.found_as, "italic"))
        title.append(")")
    title.append("  ")
    title.append(_score(item.score, item.max_score))

    body: list[RenderableType] = []
    if item.found_as is None:
        body.append(_t("Not found: " + (item.message or f"{item.name} is not defined in the submission."), "bold red"))
    else:
        if item.location:
            body.append(_t(item.location, "dim"))
        if item.message:
            body.append(_t(item.message))
    shown = tuple(c for c in item.checks if show_passed or c.outcome != "passed")
    hidden = len(item.checks) - len(shown)
    causes = find_causes(item.checks) if item.found_as is not None else ()
    body.extend(_cause_panel(cause) for cause in causes)
    if shown:
        # A missing item's checks all fail for the reason already given above them.
        body.append(_check_table(shown, with_details=item.found_as is not None, causes=causes_by_check(causes)))
    if hidden:
        body.append(Text(f"✓ {plural(hidden, 'passed check')} not shown", style="dim green"))
    if not item.checks and item.found_as is not None:
        body.append(Text("No checks.", style="dim"))
    return Panel(Group(*body), title=title, title_align="left", border_style=_border(item), expand=True)


def _extraction(ex: ExtractionSummary) -> list[RenderableType]:
    out: list[RenderableType] = [Rule("Extraction", align="left", style="dim")]
    out.append(
        Text(
            f"Kept {plural(len(ex.kept), 'statement')}; dropped {len(ex.dropped)}"
            + (":" if ex.dropped else ".")
        )
    )
    if ex.dropped:
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, expand=False)
        table.add_column("cell", justify="right", no_wrap=True)
        table.add_column("line", justify="right", no_wrap=True)
        table.add_column("statement", overflow="fold", ratio=3)
        table.add_column("reason", overflow="fold", ratio=2, style="dim")
        for d in ex.dropped:
            table.add_row(str(d.cell), str(d.line), _t(d.summary), _t(d.reason, "dim"))
        out.append(table)
    for item, name in ex.aliases:
        out.append(Text.assemble("Alias: ", _t(item, "bold"), " graded as ", _t(name, "bold")))
    if ex.missing:
        out.append(Text.assemble(Text("Missing: ", style="bold red"), _t(", ".join(ex.missing))))
    if ex.cell_problems:
        out.append(Text("Cell problems:", style="bold red"))
        for p in ex.cell_problems:
            where = f"cell {p.cell}" + (f", line {p.line}" if p.line is not None else "")
            out.append(Padding(Text.assemble(Text(where + ": ", style="bold"), _t(p.message)), (0, 0, 0, 2)))
    return out


def _sandbox(sb: SandboxSummary) -> list[RenderableType]:
    out: list[RenderableType] = [Rule("Sandbox", align="left", style="dim")]
    if sb.limits_applied:
        out.append(Text.assemble(Text("Limits applied: ", style="green"), _t(", ".join(sb.limits_applied))))
    for reason in sb.limits_not_applied:
        out.append(Text.assemble(Text("⚠ Not applied: ", style="yellow"), _t(reason)))
    if not sb.limits_applied and not sb.limits_not_applied:
        out.append(Text("No limits reported.", style="dim"))
    if sb.restarts:
        out.append(Text(f"Worker restarted {plural(sb.restarts, 'time')}.", style="yellow"))
    return out


def _student_output(sb: SandboxSummary) -> list[RenderableType]:
    out: list[RenderableType] = []
    for label, text in (("Student stdout", sb.stdout), ("Student stderr", sb.stderr)):
        if text.strip():
            out.append(
                Panel(_t(text.rstrip("\n")), title=label, title_align="left", style="dim", border_style="dim", box=box.ROUNDED)
            )
    return out


def render_terminal(result: GradeResult, console: Console, *, show_passed: bool = True) -> None:
    """Print the report for ``result`` on ``console``; ``show_passed=False`` folds passed checks into a count."""
    console.print(_header(result))
    if result.warnings:
        for warning in result.warnings:
            console.print(Text.assemble(Text("⚠ ", style="yellow"), _t(warning)))
    for item in result.items:
        console.print(_item_panel(item, show_passed))
    for renderable in _extraction(result.extraction):
        console.print(renderable)
    for renderable in _sandbox(result.sandbox):
        console.print(renderable)
    for renderable in _student_output(result.sandbox):
        console.print(renderable)
    console.print(
        Text.assemble(Text("Total: ", style="bold"), _score(result.score, result.max_score), " points"),
        justify="right",
    )
