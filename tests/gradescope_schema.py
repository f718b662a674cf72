"""Gradescope's ``results.json`` as a JSON Schema, plus the rules a schema cannot say.

Written from the "Output format" section of Gradescope's autograder specification
(https://gradescope-autograders.readthedocs.io/en/latest/specs/): every documented key with its
type, the documented values of ``status``, the visibilities and the output formats, and no key
that is not documented.  ``validate_results`` adds: the score is the sum of the tests' scores, no
test scores above its maximum, and nothing a hidden test says shows anywhere a student can read.
"""

from __future__ import annotations

import math
from typing import Any

import jsonschema

VISIBILITIES = ["hidden", "after_due_date", "after_published", "visible"]
FORMATS = ["text", "html", "simple_format", "md", "ansi"]
_NUMBER = {"type": "number"}
_TEXT = {"type": "string"}

TEST = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "score": _NUMBER,
        "max_score": _NUMBER,
        "status": {"enum": ["passed", "failed"]},
        "name": _TEXT,
        "name_format": {"enum": FORMATS},
        "number": _TEXT,
        "output": _TEXT,
        "output_format": {"enum": FORMATS},
        "tags": {"type": "array", "items": _TEXT},
        "visibility": {"enum": VISIBILITIES},
        "extra_data": {"type": "object"},
    },
}

RESULTS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Gradescope autograder results.json",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "score": _NUMBER,
        "execution_time": _NUMBER,
        "output": _TEXT,
        "output_format": {"enum": FORMATS},
        "test_output_format": {"enum": FORMATS},
        "test_name_format": {"enum": FORMATS},
        "visibility": {"enum": VISIBILITIES},
        "stdout_visibility": {"enum": VISIBILITIES},
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": TEST},
        "leaderboard": {"type": "array", "items": {
            "type": "object", "required": ["name", "value"],
            "properties": {"name": _TEXT, "value": {"type": ["number", "string"]}, "order": {"enum": ["asc", "desc"]}},
        }},
    },
    # "score": optional, but required if not on each test case
    "anyOf": [{"required": ["score"]},
              {"required": ["tests"], "properties": {"tests": {"items": {"required": ["score"]}}}}],
}


def _student_readable(doc: dict[str, Any]) -> list[str]:
    """Texts a student may read some day: the top-level output and every test that is not hidden."""
    texts = [doc.get("output", "")]
    for test in doc.get("tests", []):
        if test.get("visibility", "visible") != "hidden":
            texts += [test.get("name", ""), test.get("output", "")]
    return texts


def validate_results(doc: dict[str, Any]) -> None:
    """Raise (jsonschema.ValidationError or AssertionError) unless ``doc`` is a results.json Gradescope takes."""
    jsonschema.validate(doc, RESULTS_SCHEMA, cls=jsonschema.Draft202012Validator)
    tests = doc.get("tests", [])
    for test in tests:
        assert not isinstance(test.get("score"), bool) and not isinstance(test.get("max_score"), bool), test
        if "max_score" in test:
            assert 0 <= test["score"] <= test["max_score"] or test["score"] == test["max_score"] == 0, test
    if tests or "score" not in doc:
        total = sum(t["score"] for t in tests)
        assert math.isclose(doc.get("score", total), total, abs_tol=1e-3), (doc.get("score"), total)
    readable = _student_readable(doc)
    for test in tests:
        if test.get("visibility") != "hidden":
            continue
        leaks = [part for part in (test["name"], test.get("output", "")) if part
                 for text in readable if part in text]
        assert not leaks, f"hidden test {test['name']!r} shows in what a student reads"
