"""The project's own results file (schema ``grader-results/1``).

Deterministic by construction: no durations or timestamps, fixed key order, points rounded
to 4 decimals and always written as floats (``2.0``, ``0.3333``).  Grading the same
submission twice gives byte-identical files.  Text is kept as graded (JSON escapes control
characters); only lone surrogates, which UTF-8 cannot encode, become U+FFFD.

Layout::

    {"schema": "grader-results/1", "assignment", "submission", "score", "max_score",
     "items": [{"name", "found_as", "location", "score", "max_score", "message",
                "checks": [{"name", "description", "outcome", "passed", "points",
                            "max_points", "message", "counterexample", "visibility"}]}],
     "extraction": {"kept", "dropped": [{"cell", "line", "summary", "reason"}], "missing",
                    "cell_problems": [{"cell", "line", "message"}],
                    "aliases": [{"item", "graded_as"}]},
     "sandbox": {"limits_applied", "limits_not_applied", "stdout", "stderr", "restarts"},
     "warnings": [...]}
"""

from __future__ import annotations

import json
import os
from typing import Any

from grader.report._files import write_atomically
from grader.report._text import points, utf8_safe
from grader.results import CheckResult, ExtractionSummary, GradeResult, ItemResult, SandboxSummary

SCHEMA = "grader-results/1"


def _text(value: str) -> str:
    return utf8_safe(value)


def _opt_text(value: str | None) -> str | None:
    return None if value is None else utf8_safe(value)


def _check(check: CheckResult) -> dict[str, Any]:
    return {
        "name": _text(check.name),
        "description": _text(check.description),
        "outcome": check.outcome,
        "passed": check.outcome == "passed",
        "points": points(check.points),
        "max_points": points(check.max_points),
        "message": _text(check.message),
        "counterexample": _opt_text(check.counterexample),
        "visibility": check.visibility,
    }


def _item(item: ItemResult) -> dict[str, Any]:
    return {
        "name": _text(item.name),
        "found_as": _opt_text(item.found_as),
        "location": _opt_text(item.location),
        "score": points(item.score),
        "max_score": points(item.max_score),
        "message": _text(item.message),
        "checks": [_check(c) for c in item.checks],
    }


def _extraction(ex: ExtractionSummary) -> dict[str, Any]:
    return {
        "kept": [_text(k) for k in ex.kept],
        "dropped": [
            {"cell": d.cell, "line": d.line, "summary": _text(d.summary), "reason": _text(d.reason)}
            for d in ex.dropped
        ],
        "missing": [_text(m) for m in ex.missing],
        "cell_problems": [{"cell": p.cell, "line": p.line, "message": _text(p.message)} for p in ex.cell_problems],
        "aliases": [{"item": _text(item), "graded_as": _text(name)} for item, name in ex.aliases],
    }


def _sandbox(sb: SandboxSummary) -> dict[str, Any]:
    return {
        "limits_applied": [_text(s) for s in sb.limits_applied],
        "limits_not_applied": [_text(s) for s in sb.limits_not_applied],
        "stdout": _text(sb.stdout),
        "stderr": _text(sb.stderr),
        "restarts": sb.restarts,
    }


def to_json_dict(result: GradeResult) -> dict[str, Any]:
    """``result`` as plain JSON data in the ``grader-results/1`` layout (see the module docstring)."""
    return {
        "schema": SCHEMA,
        "assignment": _text(result.assignment),
        "submission": _text(result.submission),
        "score": points(result.score),
        "max_score": points(result.max_score),
        "items": [_item(i) for i in result.items],
        "extraction": _extraction(result.extraction),
        "sandbox": _sandbox(result.sandbox),
        "warnings": [_text(w) for w in result.warnings],
    }


def to_json_text(result: GradeResult) -> str:
    """The exact text :func:`write_json` writes: 2-space indent, UTF-8 characters kept, trailing newline."""
    return json.dumps(to_json_dict(result), indent=2, sort_keys=False, ensure_ascii=False, allow_nan=False) + "\n"


def write_json(result: GradeResult, path: str | os.PathLike[str]) -> None:
    """Write ``result`` to ``path`` as UTF-8 JSON, atomically (a reader never sees half a file)."""
    write_atomically(path, to_json_text(result).encode("utf-8"))
