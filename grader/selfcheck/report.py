"""The self-check's terminal report: public checks, what was not checked here, and one plain summary line.

Deliberately not the grade report: no "Score" or "Total points" (these checks are not the grade), and
never "all tests passed" while hidden checks exist (Otter's users were misled by exactly that).
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from grader.selfcheck.run import SelfCheckResult

__all__ = ["print_notes", "render_self_check", "summary_line"]

_MARK = {"passed": ("✓", "green"), "failed": ("✗", "red"), "warning": ("⚠", "yellow"), "skipped": ("○", "dim")}


def summary_line(check: SelfCheckResult) -> str:
    line = f"public checks: {check.passed}/{check.total} passed"
    if check.hidden_checks:
        line += " — your grade also uses hidden checks that are not run here"
    if check.unfinished:
        line += f"; not implemented yet: {', '.join(check.unfinished)}"
    return line


def print_notes(check: SelfCheckResult, errors: Console) -> None:
    """The notes (a converted old notebook, a skipped statement…), one ``note:`` line each, before the report."""
    for note in check.result.warnings:
        errors.print(f"note: {note}", markup=False, soft_wrap=True)


def render_self_check(check: SelfCheckResult, console: Console) -> None:
    result = check.result
    console.print(Text(f"Self-check of {result.submission} ({result.assignment}): public checks only",
                       style="bold"))
    console.print(Text(check.saved, style="bold yellow" if check.stale else "dim"))
    for item in result.items:
        passed = sum(c.outcome == "passed" for c in item.checks)
        title = Text(f"\n{item.name}", style="bold")
        title.append(f"  {passed}/{len(item.checks)} public checks passed" if item.checks else
                     "  no public checks (graded by hidden checks only)", style="dim")
        console.print(title)
        if item.message:
            console.print(Text(f"  {item.message}", style="yellow"))
        unfinished = item.name in check.unfinished
        for c in item.checks:
            mark, style = _MARK[c.outcome]
            console.print(Text.assemble(Text(f"  {mark} ", style=style), f"{c.name}: {c.description}"))
            if c.outcome != "passed" and c.message and not unfinished:
                console.print(Text(f"      {c.message}", style=style))
                if c.counterexample:
                    console.print(Text("\n".join(f"      {line}" for line in c.counterexample.splitlines()),
                                       style="dim"))
    if result.sandbox.limits_not_applied:
        console.print(Text("\nLimits not applied on this machine (the checks still ran):", style="dim"))
        for limit in result.sandbox.limits_not_applied:
            console.print(Text(f"  - {limit}", style="dim"))
    if result.sandbox.stdout.strip():
        console.print(Text("\nYour code printed:", style="dim"))
        console.print(Text(result.sandbox.stdout.rstrip()[-2000:]), markup=False)
    console.print()
    style = "bold green" if check.passed == check.total and not check.unfinished else "bold yellow"
    console.print(Text(summary_line(check), style=style))
