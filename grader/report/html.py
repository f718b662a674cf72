"""One self-contained HTML page per submission, for the student to read offline.

Rendered with Jinja2 from ``grader/report/templates/`` with autoescape on: every piece of
graded text (the student's output, names, messages) reaches the page as text, never as
markup, after :func:`~grader.report._text.printable` made control characters visible.  The
page loads nothing: the CSS is inline, there is no script, no font, no image, and a
Content-Security-Policy of ``default-src 'none'`` says so to the browser as well.

What the student sees of a check follows its visibility, as in Gradescope: a ``visible``
check shows its name, explanation and counterexample; any other (``hidden``,
``after_due_date``, ``after_published``) shows only "hidden check" and its points, since
this page is handed over as it is, whenever that is.  Failures that share a cause (see
:mod:`grader.report.causes`) say it once, above the item's checks.
"""

from __future__ import annotations

import os
from typing import Any

import jinja2

from grader import __version__
from grader.report._files import write_atomically
from grader.report._text import fmt_points, plural, printable, skipped_note
from grader.report.causes import causes_by_check, find_causes, reference
from grader.results import CheckResult, GradeResult, ItemResult

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("grader.report", "templates"),
    autoescape=True,  # the templates end in .j2, which select_autoescape would not recognise
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)

#: What a check that is not ``visible`` says instead of its name and explanation.
_HIDDEN_LABELS = {
    "hidden": "hidden check",
    "after_due_date": "hidden check (shown after the due date)",
    "after_published": "hidden check (shown when grades are published)",
}

#: The name of the check that grade.integrity_result fails when a slice breaks the policy.
INTEGRITY_CHECK = "integrity"


def _status(score: float, max_score: float) -> str:
    if max_score <= 0 or score >= max_score:
        return "full"
    return "partial" if score > 0 else "none"


def _check(item: ItemResult, check: CheckResult, cause_ref: str | None) -> dict[str, Any]:
    shown = check.visibility == "visible"
    if check.outcome == "warning":
        points = "warning, no points"
    else:
        points = f"{fmt_points(check.points)}/{fmt_points(check.max_points)}"
    view: dict[str, Any] = {"outcome": check.outcome, "points": points, "shown": shown,
                            "integrity": check.name == INTEGRITY_CHECK and check.outcome == "failed"}
    if not shown:
        return view | {"name": _HIDDEN_LABELS.get(check.visibility, "hidden check"), "description": "",
                       "message": "", "counterexample": "", "cause_ref": ""}
    message = ""
    if item.found_as is not None:  # a missing item's checks fail for the reason given once above them
        if check.outcome == "failed":
            message = check.message or "Failed."
        elif check.outcome == "skipped":
            message = "Skipped: " + (check.message or "a requirement was not met.")
        elif check.outcome == "warning":
            message = check.message
    return view | {
        "name": printable(check.name),
        "description": printable(check.description),
        "message": "" if cause_ref else printable(message),
        "counterexample": "" if cause_ref or not message else printable(check.counterexample or ""),
        "cause_ref": printable(cause_ref or ""),
    }


def _item(index: int, item: ItemResult) -> dict[str, Any]:
    visible = [c for c in item.checks if c.visibility == "visible"]
    causes = find_causes(visible) if item.found_as is not None else ()
    refs = {name: reference(cause) for name, cause in causes_by_check(causes).items()}
    said = {c.message for c in visible if c.name == INTEGRITY_CHECK}  # the integrity check says it already
    message = item.message or ("" if item.found_as else f"{item.name} was not found in the submission.")
    return {
        "anchor": f"item-{index}",
        "name": printable(item.name),
        "found_as": printable(item.found_as) if item.found_as not in (None, item.name) else "",
        "missing": item.found_as is None,
        "location": printable(item.location or ""),
        "message": "" if message in said else printable(message),
        "score": fmt_points(item.score),
        "max_score": fmt_points(item.max_score),
        "status": _status(item.score, item.max_score),
        "failed": sum(c.outcome == "failed" for c in item.checks),
        "causes": [{"title": printable(c.title), "count": len(c.checks), "checks": [printable(n) for n in c.checks],
                    "message": printable(c.message), "counterexample": printable(c.counterexample or "")}
                   for c in causes],
        "checks": [_check(item, c, refs.get(c.name)) for c in item.checks],
    }


def _integrity(result: GradeResult) -> list[dict[str, str]]:
    """The code-integrity violations, for the banner at the top of the page."""
    return [{"item": printable(item.name), "anchor": f"item-{index}", "message": printable(check.message)}
            for index, item in enumerate(result.items, 1) for check in item.checks
            if check.name == INTEGRITY_CHECK and check.outcome == "failed" and check.visibility == "visible"]


def _context(result: GradeResult) -> dict[str, Any]:
    ex, sb = result.extraction, result.sandbox
    percent = f"{100 * result.score / result.max_score:.0f}%" if result.max_score > 0 else ""
    skipped = skipped_note(result)
    return {
        "version": __version__,
        "assignment": printable(result.assignment),
        "submission": printable(result.submission),
        "score": fmt_points(result.score),
        "max_score": fmt_points(result.max_score),
        "percent": percent,
        "status": _status(result.score, result.max_score),
        "notes": [printable(w) for w in result.warnings] + ([skipped] if skipped else []),
        "integrity": _integrity(result),
        "items": [_item(i, item) for i, item in enumerate(result.items, 1)],
        "kept_summary": f"The grader ran {plural(len(ex.kept), 'statement')} of your notebook and left out "
                        f"{plural(len(ex.dropped), 'statement')}.",
        "kept": [printable(k) for k in ex.kept],
        "dropped": [{"cell": d.cell, "line": d.line, "summary": printable(d.summary), "reason": printable(d.reason)}
                    for d in ex.dropped],
        "missing": [printable(m) for m in ex.missing],
        "aliases": [(printable(item), printable(name)) for item, name in ex.aliases],
        "cell_problems": [{"where": f"cell {p.cell}" + (f", line {p.line}" if p.line is not None else ""),
                           "message": printable(p.message)} for p in ex.cell_problems],
        "limits_applied": [printable(s) for s in sb.limits_applied],
        "limits_not_applied": [printable(s) for s in sb.limits_not_applied],
        "restarts": plural(sb.restarts, "time") if sb.restarts else "",
        "stdout": printable(sb.stdout.rstrip("\n")),
        "stderr": printable(sb.stderr.rstrip("\n")),
    }


def to_html(result: GradeResult) -> str:
    """The page for ``result``: deterministic (no time stamps), one file, nothing to fetch."""
    return _ENV.get_template("report.html.j2").render(_context(result))


def fallback_html(message: str) -> str:
    """The page left when no grade could be made (bad input, the grader's own failure)."""
    return _ENV.get_template("fallback.html.j2").render(version=__version__, message=printable(message))


def write_html(result: GradeResult, path: str | os.PathLike[str]) -> None:
    """Write ``result``'s page to ``path`` as UTF-8, atomically."""
    write_atomically(path, to_html(result).encode("utf-8"))


def write_fallback_html(message: str, path: str | os.PathLike[str]) -> None:
    """Write :func:`fallback_html` to ``path`` as UTF-8, atomically."""
    write_atomically(path, fallback_html(message).encode("utf-8"))
