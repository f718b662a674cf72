"""grader.report.terminal: the rich report, checked as plain text (no colour, not a TTY)."""

from __future__ import annotations

import io

import pytest
from rich.cells import cell_len
from rich.console import Console

from grader.report import render_terminal
from grader.results import GradeResult


import report_samples as samples


def render(result: GradeResult, *, width: int = 100, show_passed: bool = True) -> str:
    console = Console(record=True, width=width, color_system=None, file=io.StringIO())
    render_terminal(result, console, show_passed=show_passed)
    return console.export_text()


def _line_with(text: str, needle: str) -> str:
    (line,) = [line for line in text.splitlines() if needle in line]
    return line


def test_full_marks() -> None:
    text = render(samples.full_marks())
    assert "dropout_bn" in text and "submissions/alice.ipynb" in text
    assert "10/10  (100%)" in text
    for name in ("zero_fraction", "scaled", "eval_identity", "running_stats"):
        assert "✓" in _line_with(text, name)
    assert "✗" not in text and "⚠" not in text and "○" not in text
    assert "Dropout  5/5" in text and "BatchNorm  5/5" in text
    assert "Kept 3 statements; dropped 0." in text
    assert "Limits applied: cpu time 60 s, memory 4 GiB, no network" in text
    assert "Student stdout" not in text and "Student stderr" not in text
    assert text.rstrip().splitlines()[-1].strip() == "Total: 10/10 points"


def test_outcome_symbols_and_points() -> None:
    text = render(samples.mixed())
    assert "✓" in _line_with(text, "zero_fraction") and "2/2" in _line_with(text, "zero_fraction")
    assert "✗" in _line_with(text, "scaled —") and "0/2" in _line_with(text, "scaled —")
    assert "⚠" in _line_with(text, "no_inplace") and "warning" in _line_with(text, "no_inplace")
    assert "○" in _line_with(text, "cuda") and "0/1" in _line_with(text, "cuda")
    assert "0.33/0.33" in _line_with(text, "partial")
    assert "Dropout (graded MyDropout)  2.33/5.33" in text
    assert "2.33/10.33  (23%)" in text
    assert "Total: 2.33/10.33 points" in text


def test_failure_message_and_counterexample_are_indented_verbatim() -> None:
    lines = render(samples.mixed()).splitlines()
    start = next(i for i, line in enumerate(lines) if "✗ scaled" in line)
    block = " ".join(line.strip("│ ") for line in lines[start : start + 8])  # undo wrapping
    assert "Kept outputs were not scaled: expected [2.0, 0.0] but got [1.0, 0.0] </failure> & <x>" in block
    symbol_col = lines[start].index("✗")
    counter = next(line for line in lines[start:] if "Counterexample:" in line)
    assert counter.index("Counterexample:") > symbol_col  # indented under the check
    expected = next(line for line in lines[start:] if "expected: tensor([2., 0.])" in line)
    got = next(line for line in lines[start:] if "got:      tensor([1., 0.])" in line)
    assert expected.index("expected:") == got.index("got:")  # whitespace kept, columns line up
    assert expected.index("expected:") > counter.index("Counterexample:")


def test_warning_and_skip_reasons_shown() -> None:
    text = render(samples.mixed())
    assert "modified its input in place" in text
    assert "Skipped: no GPU on this machine" in text


def test_missing_item_shows_its_message_not_per_check_noise() -> None:
    text = render(samples.mixed())
    assert "Not found: No class or function named BatchNorm" in text
    assert "BatchNorm  0/5" in text
    assert "✗" in _line_with(text, "running_stats") and "0/3" in _line_with(text, "running_stats")
    assert "not run" not in text  # the check's own message adds nothing to the item's


def test_missing_item_without_checks() -> None:
    text = render(samples.missing_without_checks())
    assert "Not found: ResNet is not defined." in text
    assert "Missing: ResNet" in text
    assert "Total: 0/0 points" in text


def test_extraction_report() -> None:
    text = render(samples.mixed())
    assert "Kept 2 statements; dropped 2:" in text
    row = _line_with(text, "trainer.fit(model, loader, epochs=50)")
    assert row.split()[:2] == ["9", "1"] and "training call" in row
    row = _line_with(text, "plt.plot(losses)")
    assert row.split()[:2] == ["10", "3"] and "plotting" in row
    assert "Missing: BatchNorm" in text
    assert "Alias: Dropout graded as MyDropout" in text
    assert "cell 12, line 4: SyntaxError: invalid syntax" in text
    assert "cell 13: cell is not valid JSON" in text


def test_sandbox_notes() -> None:
    text = render(samples.mixed())
    assert "Limits applied: cpu time 60 s, no network" in text
    assert "Not applied: memory limit: RLIMIT_AS is not supported on this platform" in text
    assert "Worker restarted 1 time." in text
    assert "⚠" in _line_with(text, "The notebook has unexecuted cells.")


def test_student_output_is_inert_text() -> None:
    text = render(samples.mixed())
    assert "Student stdout" in text and "Student stderr" in text
    assert "[bold red]not markup[/bold red]" in text  # not interpreted as rich markup
    assert "</failure></testcase><![CDATA[ & <b>bold</b>" in text
    assert "\\x1b[31mred\\x1b[0m NUL:\\x00 bell:\\x07 bs:\\x08 del:\\x7f c1:\\x85" in text
    assert "\x1b" not in text and "\x00" not in text and "\udcff" not in text
    assert "epoch 1" in text and "poch 2" in text
    assert "unicode stays: Σ ü 🙂" in text


def test_empty_student_output_is_not_shown() -> None:
    text = render(samples.mixed(stdout="  \n"))
    assert "Student stdout" not in text
    assert "Student stderr" in text


def test_show_passed_false_folds_passed_checks() -> None:
    text = render(samples.mixed(), show_passed=False)
    assert "zero_fraction" not in text and "partial" not in text
    assert "✗ scaled" in text and "⚠ no_inplace" in text and "○ cuda" in text
    assert "2 passed checks not shown" in text
    full = render(samples.full_marks(), show_passed=False)
    assert "3 passed checks not shown" in full and "1 passed check not shown" in full
    assert "Total: 10/10 points" in full


@pytest.mark.parametrize("build", [samples.full_marks, samples.mixed, samples.missing_without_checks])
def test_fits_80_columns(build) -> None:
    text = render(build(), width=80)
    assert max(cell_len(line) for line in text.splitlines()) <= 80


def test_no_colour_codes_without_a_terminal() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=80)  # not a TTY: rich picks no colour system
    render_terminal(samples.mixed(), console)
    assert "\x1b" not in buffer.getvalue()
    assert "✗ scaled" in buffer.getvalue()


def test_colour_when_forced() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=80, force_terminal=True, color_system="standard")
    render_terminal(samples.mixed(), console)
    assert "\x1b[" in buffer.getvalue()  # rich's styling; the student's ESC bytes were escaped earlier


def test_render_is_repeatable() -> None:
    assert render(samples.mixed(duration_s=1.0)) == render(samples.mixed(duration_s=50.0))
