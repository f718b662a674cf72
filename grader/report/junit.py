"""JUnit XML for CI test reporters (Jenkins, GitLab, GitHub Actions).

Follows the Jenkins xunit-plugin ``junit-10.xsd`` schema, as pytest's ``junit_family=xunit2``
does: ``<testsuites>`` (attributes ``name``, ``tests``, ``failures``, ``errors``) holding
one ``<testsuite>`` per graded item (``name``, ``tests``, ``failures``, ``errors``,
``skipped``) with ``<properties>`` and one ``<testcase classname=… name=…>`` per check.

* failed check -> ``<failure message="…">`` whose text is the message and counterexample;
* skipped check -> ``<skipped message="…"/>``;
* warning -> a passing testcase whose ``<system-out>`` holds the warning;
* item not found -> each of its checks fails with the item's message (an item without
  checks gets one failing testcase named after the item).

A last suite named after the assignment (no testcases) carries the total score and
submission as properties, the extraction and sandbox notes as ``<system-out>`` and the
student's stderr as ``<system-err>``.  No ``time`` or ``timestamp`` attributes: the file
is deterministic.  All text goes through :func:`~grader.report._text.printable`, so
characters illegal in XML 1.0 (student output can hold any) appear as visible escapes.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

from grader.report._files import write_atomically
from grader.report._text import fmt_attr_points, plural, printable, skipped_note
from grader.report.causes import Cause, causes_by_check, find_causes, introduction, reference
from grader.results import CheckResult, GradeResult, ItemResult

_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: printable(v) for k, v in attrib.items()})
    if text:
        element.text = printable(text)
    return element


def _properties(parent: ET.Element, pairs: list[tuple[str, str]]) -> None:
    props = _sub(parent, "properties")
    for name, value in pairs:
        _sub(props, "property", name=name, value=value)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def _item_message(item: ItemResult) -> str:
    return item.message or f"{item.name} was not found in the submission."


def _testcase(suite: ET.Element, classname: str, item: ItemResult, check: CheckResult,
              cause: Cause | None = None) -> str:
    """Add the check's testcase; return its outcome as counted in the suite attributes."""
    case = _sub(suite, "testcase", classname=classname, name=check.name)
    points = f"{fmt_attr_points(check.points)}/{fmt_attr_points(check.max_points)} points"
    if item.found_as is None:
        message = _item_message(item)
        _sub(case, "failure", f"{check.description}\n\n{message}".strip(), message=_first_line(message))
        return "failed"
    if check.outcome == "failed" and cause is not None and check.name != cause.first:
        text = f"{check.description}\n\n{reference(cause)} (test case {cause.first}).\n\n{points}".strip()
        _sub(case, "failure", text, message=reference(cause))
        return "failed"
    if check.outcome == "failed":
        # The first check of a shared cause says it, for all of them.
        message = (cause.message if cause else check.message) or "Failed."
        counterexample = cause.counterexample if cause else check.counterexample
        body = [check.description, introduction(cause) if cause else "", message]
        if counterexample:
            body.append("Counterexample:\n" + counterexample)
        body.append(points)
        text = "\n\n".join(part for part in body if part)
        _sub(case, "failure", text, message=_first_line(message) or "failed")
        return "failed"
    if check.outcome == "skipped":
        _sub(case, "skipped", message=check.message or "skipped")
        return "skipped"
    if check.outcome == "warning":
        _sub(case, "system-out", f"warning: {check.message}\n\n{check.description}".strip())
    return "passed"


def _item_suite(parent: ET.Element, assignment: str, item: ItemResult) -> None:
    classname = f"{assignment}.{item.name}"
    suite = _sub(parent, "testsuite", name=classname)
    pairs = [("score", fmt_attr_points(item.score)), ("max_score", fmt_attr_points(item.max_score))]
    if item.found_as is not None and item.found_as != item.name:
        pairs.append(("found_as", item.found_as))
    if item.location:
        pairs.append(("location", item.location))
    _properties(suite, pairs)

    outcomes: list[str] = []
    if item.found_as is None and not item.checks:
        case = _sub(suite, "testcase", classname=classname, name=item.name)
        message = _item_message(item)
        _sub(case, "failure", message, message=_first_line(message))
        outcomes.append("failed")
    causes = {} if item.found_as is None else causes_by_check(find_causes(item.checks))
    outcomes.extend(_testcase(suite, classname, item, check, causes.get(check.name)) for check in item.checks)
    suite.set("tests", str(len(outcomes)))
    suite.set("failures", str(outcomes.count("failed")))
    suite.set("errors", "0")
    suite.set("skipped", str(outcomes.count("skipped")))


def _notes(result: GradeResult) -> str:
    ex, sb = result.extraction, result.sandbox
    lines = [f"Extraction: kept {plural(len(ex.kept), 'statement')}, dropped {len(ex.dropped)}."]
    lines.extend(f"  dropped cell {d.cell}, line {d.line}: {d.summary} ({d.reason})" for d in ex.dropped)
    if ex.missing:
        lines.append("Missing: " + ", ".join(ex.missing))
    lines.extend(f"Alias: {item} graded as {name}" for item, name in ex.aliases)
    for p in ex.cell_problems:
        where = f"cell {p.cell}" + (f", line {p.line}" if p.line is not None else "")
        lines.append(f"Cell problem, {where}: {p.message}")
    lines.extend(f"Sandbox limit applied: {s}" for s in sb.limits_applied)
    lines.extend(f"Sandbox limit NOT applied: {s}" for s in sb.limits_not_applied)
    if sb.restarts:
        lines.append(f"Sandbox worker restarts: {sb.restarts}")
    lines.extend(f"Note: {w}" for w in result.warnings)
    if skipped := skipped_note(result):
        lines.append(f"Note: {skipped}")
    if sb.stdout:
        lines.append("Student stdout:")
        lines.append(sb.stdout)
    return "\n".join(lines)


def _summary_suite(parent: ET.Element, result: GradeResult) -> None:
    suite = _sub(parent, "testsuite", name=result.assignment, tests="0", failures="0", errors="0", skipped="0")
    _properties(
        suite,
        [
            ("score", fmt_attr_points(result.score)),
            ("max_score", fmt_attr_points(result.max_score)),
            ("submission", result.submission),
        ],
    )
    _sub(suite, "system-out", _notes(result))
    if result.sandbox.stderr:
        _sub(suite, "system-err", result.sandbox.stderr)


def to_junit_element(result: GradeResult) -> ET.Element:
    """``result`` as a ``<testsuites>`` element tree."""
    root = ET.Element("testsuites", {"name": printable(result.assignment)})
    for item in result.items:
        _item_suite(root, result.assignment, item)
    _summary_suite(root, result)
    suites = root.findall("testsuite")
    for attr in ("tests", "failures", "errors"):
        root.set(attr, str(sum(int(s.get(attr, "0")) for s in suites)))
    return root


def to_junit_xml(result: GradeResult) -> str:
    """The JUnit XML document for ``result``, with its XML declaration, indented, ending in a newline."""
    root = to_junit_element(result)
    ET.indent(root)
    return _DECLARATION + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(result: GradeResult, path: str | os.PathLike[str]) -> None:
    """Write ``result`` to ``path`` as UTF-8 JUnit XML, atomically."""
    write_atomically(path, to_junit_xml(result).encode("utf-8"))
