"""grader.report.junit: JUnit XML for CI.

``_validate_junit10`` checks the document against the rules of the Jenkins xunit-plugin
``junit-10.xsd`` (the schema pytest's own junitxml tests use): which elements may hold
which children and attributes, which attributes are required, and where text may appear.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader.report import write_junit
from grader.report.junit import to_junit_xml
from grader.results import CheckResult, ExtractionSummary, GradeResult, ItemResult, SandboxSummary


import report_samples as samples

_RESULT = {"type", "message"}
_RERUN = {"rerunFailure", "rerunError", "flakyFailure", "flakyError"}
# element: (allowed attributes, required attributes, allowed children, may hold text)
JUNIT_10: dict[str, tuple[set[str], set[str], set[str], bool]] = {
    "testsuites": ({"name", "time", "tests", "failures", "errors"}, set(), {"testsuite"}, False),
    "testsuite": (
        {"name", "tests", "failures", "errors", "group", "time", "skipped", "timestamp", "hostname", "id",
         "package", "file", "log", "url", "version"},
        {"name", "tests", "failures", "errors"},
        {"testsuite", "properties", "testcase", "system-out", "system-err"},
        False,
    ),
    "properties": (set(), set(), {"property"}, False),
    "property": ({"name", "value"}, {"name", "value"}, set(), False),
    "testcase": (
        {"name", "time", "classname", "group"},
        {"name"},
        {"skipped", "errors", "failure", "system-out", "system-err"} | _RERUN,
        False,
    ),
    "failure": (_RESULT, set(), set(), True),
    "errors": (_RESULT, set(), set(), True),
    "skipped": (_RESULT, set(), set(), True),
    "system-out": (set(), set(), set(), True),
    "system-err": (set(), set(), set(), True),
}
_SUREFIRE_TIME = re.compile(r"(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]{0,3})?")


def _validate_junit10(element: ET.Element) -> None:
    allowed, required, children, mixed = JUNIT_10[element.tag]
    assert set(element.attrib) <= allowed, (element.tag, set(element.attrib) - allowed)
    assert required <= set(element.attrib), (element.tag, required - set(element.attrib))
    if "time" in element.attrib and element.tag != "testcase":
        assert _SUREFIRE_TIME.fullmatch(element.attrib["time"])
    if not mixed:
        assert not (element.text or "").strip(), (element.tag, element.text)
    for child in element:
        assert child.tag in children, (element.tag, child.tag)
        assert not (child.tail or "").strip()
        _validate_junit10(child)


def _parse(xml: str) -> ET.Element:
    return ET.fromstring(xml.encode("utf-8"))


def _properties(suite: ET.Element) -> dict[str | None, str | None]:
    props = suite.find("properties")
    assert props is not None
    return {p.get("name"): p.get("value") for p in props.findall("property")}


def _suites(root: ET.Element) -> dict[str, ET.Element]:
    return {s.get("name", ""): s for s in root.findall("testsuite")}


@pytest.mark.parametrize("build", [samples.full_marks, samples.mixed, samples.missing_without_checks])
def test_valid_against_junit10_rules(build) -> None:
    root = _parse(to_junit_xml(build()))
    assert root.tag == "testsuites"
    _validate_junit10(root)


def test_declaration_and_encoding(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    write_junit(samples.mixed(), path)
    raw = path.read_bytes()
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')
    assert raw.decode("utf-8") == to_junit_xml(samples.mixed())
    assert ET.parse(path).getroot().get("tests") == "7"


def test_one_suite_per_item_with_counts_and_properties() -> None:
    root = _parse(to_junit_xml(samples.mixed()))
    suites = _suites(root)
    assert list(suites) == ["dropout_bn.Dropout", "dropout_bn.BatchNorm", "dropout_bn"]
    dropout, batchnorm, summary = suites.values()
    assert {k: dropout.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "5", "failures": "1", "errors": "0", "skipped": "1"}
    assert {k: batchnorm.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "2", "failures": "2", "errors": "0", "skipped": "0"}
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("7", "3", "0")
    assert _properties(dropout) == {"score": "2.3333", "max_score": "5.3333", "found_as": "MyDropout", "location": "cell 7, line 1"}
    assert _properties(summary) == {"score": "2.3333", "max_score": "10.3333", "submission": "submissions/bob <draft>.ipynb"}
    assert summary.get("tests") == "0"


def test_testcases_per_check() -> None:
    dropout = _suites(_parse(to_junit_xml(samples.mixed())))["dropout_bn.Dropout"]
    cases = {c.get("name"): c for c in dropout.findall("testcase")}
    assert list(cases) == ["zero_fraction", "scaled", "no_inplace", "cuda", "partial"]
    assert all(c.get("classname") == "dropout_bn.Dropout" for c in cases.values())
    assert len(cases["zero_fraction"]) == 0 and len(cases["partial"]) == 0

    failure = cases["scaled"].find("failure")
    assert failure is not None
    assert failure.get("message") == "Kept outputs were not scaled: expected [2.0, 0.0] but got [1.0, 0.0] </failure> & <x>"
    assert "Counterexample:\np=0.5, x=tensor([1., 1.])\n  expected: tensor([2., 0.])" in (failure.text or "")

    skipped = cases["cuda"].find("skipped")
    assert skipped is not None and skipped.get("message") == "no GPU on this machine"

    warning = cases["no_inplace"]
    assert warning.find("failure") is None and warning.find("skipped") is None
    assert "modified its input in place" in (warning.findtext("system-out") or "")


def test_missing_item_checks_fail_with_item_message() -> None:
    batchnorm = _suites(_parse(to_junit_xml(samples.mixed())))["dropout_bn.BatchNorm"]
    for case in batchnorm.findall("testcase"):
        failure = case.find("failure")
        assert failure is not None
        assert failure.get("message", "").startswith("No class or function named BatchNorm")


def test_missing_item_without_checks_is_one_failing_testcase() -> None:
    root = _parse(to_junit_xml(samples.missing_without_checks()))
    suite = _suites(root)["resnet_cifar10.ResNet"]
    (case,) = suite.findall("testcase")
    assert case.get("name") == "ResNet"
    assert case.find("failure") is not None and case.find("failure").get("message") == "ResNet is not defined."
    assert (root.get("tests"), root.get("failures")) == ("1", "1")


def test_full_marks_has_no_failures() -> None:
    root = _parse(to_junit_xml(samples.full_marks()))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "0", "0")
    assert root.find(".//failure") is None and root.find(".//skipped") is None


def test_student_output_with_control_chars_and_markup_stays_wellformed() -> None:
    xml = to_junit_xml(samples.mixed())
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", xml)
    assert "</failure></testcase>" not in xml  # escaped, so it cannot close our elements
    summary = _suites(_parse(xml))["dropout_bn"]
    out = summary.findtext("system-out") or ""
    assert "</failure></testcase><![CDATA[ & <b>bold</b>" in out  # round-trips as text
    assert "\\x1b[31mred\\x1b[0m NUL:\\x00 bell:\\x07" in out and "sur:\\udcff nonchar:\\uffff" in out
    assert "unicode stays: Σ ü 🙂" in out
    assert "memory limit: RLIMIT_AS is not supported" in out
    assert "trainer.fit(model, loader, epochs=50)" in out
    assert (summary.findtext("system-err") or "").startswith("UserWarning: something\\x1b[0m")


def test_control_characters_in_names_and_messages_are_escaped() -> None:
    result = GradeResult(
        assignment="a\x00b",
        submission="s.ipynb",
        items=(ItemResult("X\x1b", "X\x1b", None, (CheckResult("c\x0c", "d", "failed", 0.0, 1.0, message="bad\x00"),)),),
        extraction=ExtractionSummary((), (), (), ()),
        sandbox=SandboxSummary((), ()),
    )
    root = _parse(to_junit_xml(result))
    _validate_junit10(root)
    assert root.get("name") == "a\\x00b"
    case = root.find("testsuite/testcase")
    assert case is not None and case.get("name") == "c\\x0c" and case.get("classname") == "a\\x00b.X\\x1b"
    assert case.find("failure").get("message") == "bad\\x00"


def test_deterministic_and_free_of_durations(tmp_path: Path) -> None:
    one, two = tmp_path / "one.xml", tmp_path / "two.xml"
    write_junit(samples.mixed(duration_s=0.25), one)
    write_junit(samples.mixed(duration_s=300.0), two)
    assert one.read_bytes() == two.read_bytes()
    root = ET.parse(one).getroot()
    assert all("time" not in e.attrib and "timestamp" not in e.attrib for e in root.iter())
