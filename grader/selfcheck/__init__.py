"""Students' self-check: the public checks of an assignment, runnable where students work.

From a terminal ``python -m grader check notebook.ipynb``; from a notebook cell
``from grader.selfcheck import check; check("notebook.ipynb")``.  Only public checks run
(``assignments/<name>/public.py``); hidden checks' names, inputs and messages never reach this output.
"""

from __future__ import annotations

from pathlib import Path

from grader.selfcheck.run import SelfCheckResult, self_check

__all__ = ["SelfCheckResult", "check", "self_check"]


def check(notebook: str | Path, assignment: str | None = None) -> SelfCheckResult:
    """Run the public checks on the saved ``notebook`` and print the report (for a notebook cell)."""
    from rich.console import Console

    from grader.selfcheck.report import render_self_check

    result = self_check(notebook, assignment)
    render_self_check(result, Console(highlight=False))
    return result
