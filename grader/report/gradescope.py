"""Gradescope's autograder ``results.json``.

Follows the documented "Output format" of the Gradescope autograder specification
(https://gradescope-autograders.readthedocs.io/en/latest/specs/): top-level ``score``,
``output``, ``output_format``, ``test_output_format``, ``test_name_format``,
``stdout_visibility``, ``extra_data``, ``tests``; per test ``name``, ``name_format``,
``score``, ``max_score``, ``status`` (``passed``/``failed``), ``output``,
``output_format``, ``visibility``.  ``execution_time`` is left out so that grading the same
submission twice writes the same bytes.

One test per check, named ``"Dropout › zero_fraction"``.  How outcomes map:

* ``passed``  -> status ``passed``, full points.
* ``failed``  -> status ``failed``; output has the message and the counterexample.
* ``warning`` -> status ``passed``, ``max_score`` 0, the warning in the output.
* ``skipped`` -> ``passed`` when it was worth nothing, otherwise ``failed`` (its points
  were not earned in this run); the output says it was skipped and why.
* checks of an item that was not found -> ``failed`` with the item's message.  An item
  that was not found and has no checks at all still gets one failed test, so that it shows.

``stdout_visibility`` is ``hidden``: the autograder's log (``grader.gradescope.run``) prints every
check, hidden ones included, for instructors.  Outputs are ``text``, never ``md`` or ``html``: they
quote student-controlled text (messages, printed output), which must not become markup.

All text is passed through :func:`~grader.report._text.printable`: student output cannot
smuggle terminal escapes or invalid UTF-8 into the page.
"""

from __future__ import annotations

import json
import os
from typing import Any

from grader.report._files import write_atomically
from grader.report._text import fmt_points, plural, points, printable, skipped_note
from grader.report.causes import Cause, causes_by_check, find_causes, introduction, reference
from grader.results import CheckResult, GradeResult, ItemResult

#: Separator between the item and the check in a test's name.
NAME_SEPARATOR = " › "

#: How much of the student's captured output goes into the top-level output (it is truncated already).
_MAX_STUDENT_OUTPUT = 4000


def _missing(item: ItemResult) -> bool:
    return item.found_as is None


def _item_message(item: ItemResult) -> str:
    return item.message or f"{item.name} was not found in the submission."


def _status(item: ItemResult, check: CheckResult) -> str:
    if check.outcome == "skipped":  # worth nothing when its requirement is unmet: never a failure then
        return "passed" if points(check.max_points) == 0 else "failed"
    if _missing(item) or check.outcome == "failed":
        return "failed"
    return "passed"


def _check_output(item: ItemResult, check: CheckResult, cause: Cause | None = None) -> str:
    parts: list[str] = []
    if check.description:
        parts.append(check.description)
    if _missing(item):
        parts.append(_item_message(item))
    elif check.outcome == "failed" and cause is not None and check.name != cause.first:
        parts.append(f"{reference(cause)} (test {item.name}{NAME_SEPARATOR}{cause.first}).")
    elif check.outcome == "failed" and cause is not None:
        parts.append(introduction(cause))
        parts.append(cause.message)
        if cause.counterexample:
            parts.append("Counterexample:\n" + cause.counterexample)
    elif check.outcome == "failed":
        parts.append(check.message or "Failed.")
        if check.counterexample:
            parts.append("Counterexample:\n" + check.counterexample)
    elif check.outcome == "warning":
        parts.append("Warning (no points): " + (check.message or "see the description above."))
    elif check.outcome == "skipped":
        parts.append("Skipped, not graded in this run: " + (check.message or "a requirement was not met."))
    return printable("\n\n".join(parts))


def _test(item: ItemResult, check: CheckResult, cause: Cause | None = None) -> dict[str, Any]:
    warning = check.outcome == "warning"
    return {
        "name": printable(f"{item.name}{NAME_SEPARATOR}{check.name}"),
        "name_format": "text",
        "score": 0.0 if warning else points(check.points),
        "max_score": 0.0 if warning else points(check.max_points),
        "status": _status(item, check),
        "output": _check_output(item, check, cause),
        "output_format": "text",
        "visibility": check.visibility,
    }


def _missing_item_test(item: ItemResult) -> dict[str, Any]:
    return {
        "name": printable(item.name),
        "name_format": "text",
        "score": 0.0,
        "max_score": 0.0,
        "status": "failed",
        "output": printable(_item_message(item)),
        "output_format": "text",
        "visibility": "visible",
    }


def _tests(result: GradeResult) -> list[dict[str, Any]]:
    tests: list[dict[str, Any]] = []
    for item in result.items:
        if _missing(item) and not item.checks:
            tests.append(_missing_item_test(item))
        causes = {} if _missing(item) else causes_by_check(find_causes(item.checks))
        tests.extend(_test(item, check, causes.get(check.name)) for check in item.checks)
    return tests


def _clip(text: str) -> str:
    if len(text) <= _MAX_STUDENT_OUTPUT:
        return text
    return text[:_MAX_STUDENT_OUTPUT] + "\n… (cut)"


def _summary(result: GradeResult) -> str:
    """The top-level output: score, items not found, extraction notes, notes, student output."""
    lines = [f"{result.assignment}: {fmt_points(result.score)} / {fmt_points(result.max_score)} points"]
    if skipped := skipped_note(result):
        lines.append(skipped)
    for item in result.items:
        if _missing(item):
            lines.append(f"- {item.name}: not found. {_item_message(item)}")
        elif item.found_as != item.name:
            where = f" ({item.location})" if item.location else ""
            lines.append(f"- {item.name}: graded {item.found_as}{where}")

    ex = result.extraction
    lines.append("")
    lines.append(
        f"The grader ran {plural(len(ex.kept), 'statement')} of your notebook"
        + (f" and left out {len(ex.dropped)}:" if ex.dropped else ".")
    )
    lines.extend(f"  cell {d.cell}, line {d.line}: {d.summary} ({d.reason})" for d in ex.dropped)
    if ex.missing:
        lines.append("Not defined anywhere: " + ", ".join(ex.missing))
    if ex.cell_problems:
        lines.append("Problems reading the notebook:")
        for p in ex.cell_problems:
            where = f"cell {p.cell}" + (f", line {p.line}" if p.line is not None else "")
            lines.append(f"  {where}: {p.message}")
    if result.warnings:
        lines.append("")
        lines.append("Notes:")
        lines.extend(f"  {w}" for w in result.warnings)
    for label, text in (("printed", result.sandbox.stdout), ("wrote to stderr", result.sandbox.stderr)):
        if text.strip():
            lines.append("")
            lines.append(f"Your code {label}:")
            lines.append(_clip(text.rstrip("\n")))
    return printable("\n".join(lines))


def to_gradescope_dict(result: GradeResult) -> dict[str, Any]:
    """``result`` as a Gradescope ``results.json`` object (see the module docstring)."""
    sb = result.sandbox
    return {
        "score": points(result.score),
        "output": _summary(result),
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "stdout_visibility": "hidden",
        "extra_data": {
            "assignment": printable(result.assignment),
            "max_score": points(result.max_score),
            "limits_applied": [printable(s) for s in sb.limits_applied],
            "limits_not_applied": [printable(s) for s in sb.limits_not_applied],
            "restarts": sb.restarts,
        },
        "tests": _tests(result),
    }


def error_dict(message: str, *, assignment: str | None = None) -> dict[str, Any]:
    """A ``results.json`` object for a submission that could not be graded: score 0 and ``message``.

    Gradescope needs a score even then (no submission, an unreadable notebook, a grader crash);
    ``message`` is what the student reads, so it says what to do and holds nothing hidden.
    """
    extra: dict[str, Any] = {"error": printable(message)}
    if assignment is not None:
        extra["assignment"] = printable(assignment)
    return {
        "score": 0.0,
        "output": printable(message),
        "output_format": "text",
        "stdout_visibility": "hidden",
        "extra_data": extra,
        "tests": [],
    }


def write_gradescope_error(message: str, path: str | os.PathLike[str], *, assignment: str | None = None) -> None:
    """Write :func:`error_dict` to ``path``, atomically."""
    text = json.dumps(error_dict(message, assignment=assignment), indent=2, ensure_ascii=False) + "\n"
    write_atomically(path, text.encode("utf-8"))


def to_gradescope_text(result: GradeResult) -> str:
    """The exact text :func:`write_gradescope` writes."""
    return json.dumps(to_gradescope_dict(result), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_gradescope(result: GradeResult, path: str | os.PathLike[str]) -> None:
    """Write ``result`` to ``path`` (normally ``/autograder/results/results.json``), atomically."""
    write_atomically(path, to_gradescope_text(result).encode("utf-8"))
