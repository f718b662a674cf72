"""Students' self-check: the public checks of an assignment, runnable where students work.

From a terminal ``python -m grader check notebook.ipynb``; from a notebook cell
``from grader.selfcheck import check; check("notebook.ipynb")``.  Only public checks run
(``assignments/<name>/public.py``); hidden checks' names, inputs and messages never reach this output.
"""

from __future__ import annotations

from pathlib import Path

from grader.selfcheck.run import SelfCheckResult, self_check

__all__ = ["SelfCheckResult", "check", "self_check"]


def check(notebook: str | Path, assignment: str | None = None) -> SelfCheckResult | None:
    """Run the public checks on the saved ``notebook`` and print the report (for a notebook cell).

    Prints what ``python -m grader check`` prints, notes included.  What the command reports as one
    ``error:`` line (a notebook that cannot be read, an unknown assignment) is printed the same way
    here, and ``None`` returned, instead of a traceback in the cell; the grader's own failure (a bug)
    still raises.  Returns the result, whose repr in a cell is one line.
    """
    from rich.console import Console

    from grader.errors import BadInput
    from grader.selfcheck.report import print_notes, render_self_check

    errors = Console(stderr=True, highlight=False, emoji=False)
    try:
        result = self_check(notebook, assignment)
    except BadInput as exc:
        errors.print(f"error: {exc}", markup=False, soft_wrap=True)
        return None
    print_notes(result, errors)
    render_self_check(result, Console(highlight=False))
    return result
