"""Reporters: each reads a :class:`~grader.results.GradeResult` and writes one format.

Adding a format means adding a module here; the results model and the core never change.
"""

from grader.report.gradescope import write_gradescope
from grader.report.html import write_fallback_html, write_html
from grader.report.json_report import write_json
from grader.report.junit import write_junit
from grader.report.terminal import render_terminal

__all__ = ["render_terminal", "write_fallback_html", "write_gradescope", "write_html", "write_json", "write_junit"]
