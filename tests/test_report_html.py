"""grader.report.html: the student's feedback page.

Parsed with the standard library's html.parser (always), and loaded in headless Chromium
when the machine has it (Debian's ``chromium``): every item is found in the DOM, student
text that is markup stays text, and the page refers to nothing outside itself.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

import grader.cli as cli
import report_samples as samples
from grader.report import write_html
from grader.report.html import fallback_html, to_html
from grader.results import GradeResult

#: Elements that load something or run something; none belongs in the page.
FETCHING = {"script", "img", "link", "iframe", "object", "embed", "video", "audio", "source", "frame", "base", "form"}


class Page(HTMLParser):
    """Tags, attributes and text of a page, and which elements each piece of text sits in."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.style = ""
        self._open: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag not in ("meta", "br", "hr", "wbr", "input"):
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            while self._open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1] == "style":
            self.style += data
        else:
            self.text.append(data)

    def all(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def with_class(self, name: str) -> list[dict[str, str]]:
        return [a for _, a in self.tags if name in a.get("class", "").split()]

    @property
    def body_text(self) -> str:
        return "".join(self.text)


def page(result: GradeResult) -> Page:
    return Page(to_html(result))


def assert_self_contained(parsed: Page) -> None:
    """Nothing to fetch, nothing to run."""
    assert not [t for t, _ in parsed.tags if t in FETCHING]
    for _, attrs in parsed.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), name
            if name in ("href", "src", "action", "srcset", "poster", "data"):
                assert value.startswith("#"), (name, value)
    assert not re.search(r"url\(|@import|https?:", parsed.style)
    [csp] = parsed.all("meta", **{"http-equiv": "Content-Security-Policy"})
    assert "default-src 'none'" in csp["content"]


@pytest.mark.parametrize("build", [samples.full_marks, samples.mixed, samples.missing_without_checks,
                                   samples.one_cause, samples.markup_everywhere])
def test_every_item_and_visible_check_is_on_a_self_contained_page(build) -> None:
    result = build()
    parsed = page(result)
    assert_self_contained(parsed)
    assert [s["data-item"] for s in parsed.all("section") if "data-item" in s] == [i.name for i in result.items]
    for item in result.items:
        shown = [c.name for c in item.checks if c.visibility == "visible"]
        [section] = parsed.all("section", **{"data-item": item.name})
        assert parsed.all("a", href="#" + section["id"])  # the summary links to it
        for name in shown:
            assert parsed.all("li", **{"data-check": name}), name
    assert f"{result.assignment}" in parsed.body_text


def test_markup_from_the_student_is_shown_as_text() -> None:
    html = to_html(samples.markup_everywhere())
    parsed = Page(html)
    assert "<script" not in html.lower()
    assert not parsed.all("script") and not parsed.all("img")
    text = parsed.body_text
    assert text.count(samples.SCRIPT) >= 5  # file name, message, traceback, dropped statement, output...
    assert "<img src=http://example.com/x.png>" in text
    assert re.search(r"<pre class=\"stdout\">&lt;script&gt;", html)


def test_hidden_checks_show_points_only() -> None:
    parsed = page(samples.markup_everywhere())
    text = parsed.body_text
    for secret in ("secret", "HIDDEN-MESSAGE", "HIDDEN-INPUT", "hidden <script"):
        assert secret not in text
    [hidden] = parsed.with_class("outcome-hidden")
    assert "data-check" not in hidden
    assert "hidden check" in text and "0/2" in text
    mixed = page(samples.mixed()).body_text
    assert "partial" not in mixed and "normalizes" not in mixed  # after_due_date and hidden
    assert "hidden check (shown after the due date)" in mixed


def test_integrity_flags_are_shown_first() -> None:
    html = to_html(samples.markup_everywhere())
    parsed = Page(html)
    [banner] = parsed.with_class("integrity-banner")
    assert banner["role"] == "alert"
    assert parsed.all("a", href="#item-2")
    assert html.index("integrity-banner") < html.index('data-item="Dropout"')
    assert "`sys._getframe` (frames) at cell 3, line 4" in parsed.body_text
    assert len(parsed.with_class("integrity")) == 1  # the check itself is marked too
    assert not Page(to_html(samples.mixed())).with_class("integrity-banner")


def test_outcomes_explanations_extraction_sandbox_and_output() -> None:
    result = samples.mixed()
    parsed = page(result)
    text = parsed.body_text
    outcomes = [a["class"].split()[1] for a in parsed.with_class("check")]
    assert {"outcome-passed", "outcome-failed", "outcome-warning", "outcome-skipped", "outcome-hidden"} <= set(outcomes)
    scaled = result.items[0].checks[1]
    assert scaled.message in text and scaled.counterexample in text
    assert "Skipped: no GPU on this machine" in text
    assert "forward() modified its input in place" in text
    assert "Not found: No class or function named BatchNorm" in text
    for dropped in result.extraction.dropped:
        assert dropped.summary in text and dropped.reason in text
    assert "Not defined anywhere: BatchNorm" in text and "Dropout was graded as MyDropout." in text
    assert "cell 12, line 4" in text and "SyntaxError: invalid syntax" in text
    assert "RLIMIT_AS is not supported" in text and "cpu time 60 s" in text and "restarted 1 time" in text
    assert "\\x1b[31mred" in text and "UserWarning: something" in text  # control characters made visible
    assert "The notebook has unexecuted cells." in text
    assert "2 statements" in text


def test_the_page_is_the_same_every_time(tmp_path: Path) -> None:
    write_html(samples.mixed(duration_s=1.0), tmp_path / "a.html")
    write_html(samples.mixed(duration_s=99.0), tmp_path / "b" / "b.html")
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b" / "b.html").read_bytes()


def test_fallback_page_escapes_its_message() -> None:
    parsed = Page(fallback_html(f"The submission could not be graded: {samples.SCRIPT}"))
    assert_self_contained(parsed)
    assert samples.SCRIPT in parsed.body_text and "Not graded" in parsed.body_text


def test_bad_input_and_bad_arguments_still_leave_a_page(tmp_path: Path) -> None:
    missing = tmp_path / "missing.ipynb"
    assert cli.main(["grade", str(missing), "--html", str(tmp_path / "bad-input.html")]) == 2
    assert "could not be graded" in Page((tmp_path / "bad-input.html").read_text(encoding="utf-8")).body_text
    assert cli.main(["grade", "any.ipynb", "--html", str(tmp_path / "bad-args.html"), "--timeout", "-1"]) == 2
    assert "invalid arguments" in Page((tmp_path / "bad-args.html").read_text(encoding="utf-8")).body_text


# -- a real browser -------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (Debian: apt-get install chromium)")
def test_chromium_finds_every_item_and_runs_nothing(tmp_path: Path) -> None:
    result = samples.markup_everywhere()
    path = tmp_path / "report.html"
    write_html(result, path)
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", path.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    parsed = Page(dom)
    assert [s["data-item"] for s in parsed.all("section") if "data-item" in s] == [i.name for i in result.items]
    assert parsed.all("li", **{"data-check": "shape"}) and parsed.with_class("integrity-banner")
    assert not parsed.all("script") and not parsed.all("img")
    assert samples.SCRIPT in parsed.body_text


def test_an_integrity_violation_is_said_by_its_check_not_twice_in_the_item() -> None:
    parsed = page(samples.markup_everywhere())
    assert parsed.body_text.count("`sys._getframe` (frames) at cell 3, line 4") == 2  # banner and check
    assert not parsed.with_class("item-message")
