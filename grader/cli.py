"""``python -m grader``: the command line.

Exit codes: 0 graded (whatever the score), 2 bad input, 3 internal grader error
(see grader.errors).  A results file asked for is always written, even on error,
so that Gradescope or CI never find a missing file.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path
from typing import Sequence

from rich.console import Console

from grader import __version__
from grader.errors import EXIT_BAD_INPUT, EXIT_GRADED, EXIT_INTERNAL, BadInput, GraderError
from grader.grade import GradeOptions, grade
from grader.report import render_terminal, write_gradescope, write_json, write_junit
from grader.sandbox.limits import GiB, Limits


def _alias(text: str) -> tuple[str, str]:
    item, sep, name = text.partition("=")
    if not sep or not item.isidentifier() or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected ITEM=NAME (e.g. Dropout=MyDropout), got {text!r}")
    return item, name


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grader", description="Grade PyTorch notebook assignments.")
    parser.add_argument("--version", action="version", version=f"grader {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    g = commands.add_parser("grade", help="grade one submission (.ipynb or percent-format .py)")
    g.add_argument("submission", help="path to the student's notebook or .py export")
    g.add_argument("--assignment", help="assignment name (default: detected from the graded names)")
    g.add_argument("--json", type=Path, help="write the grader's own results file here")
    g.add_argument("--gradescope", type=Path, help="write a Gradescope results.json here")
    g.add_argument("--junit", type=Path, help="write JUnit XML here (one test case per check)")
    g.add_argument("--alias", type=_alias, action="append", default=[], metavar="ITEM=NAME",
                   help="grade the notebook's NAME as the assignment's ITEM (repeatable)")
    g.add_argument("--item", action="append", default=[], metavar="NAME",
                   help="grade only this item (repeatable; default: every item)")
    g.add_argument("--seed", type=int, default=0, help="base seed; the same seed always gives the same grade")
    g.add_argument("--timeout", type=float, default=Limits.request_timeout_s,
                   help="seconds one probe of student code may take (default %(default)s)")
    g.add_argument("--memory-gb", type=float, default=Limits.memory_bytes / GiB,
                   help="memory the student code may use, in GiB (default %(default)s)")
    g.add_argument("--failures-only", action="store_true", help="terminal report: hide passed checks")
    g.add_argument("--debug", action="store_true", help="show the grader's traceback on errors")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(stderr=False, highlight=False)
    errors = Console(stderr=True, highlight=False)
    limits = Limits(request_timeout_s=args.timeout, load_timeout_s=max(args.timeout, Limits.load_timeout_s),
                    memory_bytes=int(args.memory_gb * GiB))
    options = GradeOptions(assignment=args.assignment, seed=args.seed, limits=limits, aliases=tuple(args.alias),
                           items=tuple(args.item))
    try:
        with errors.status("grading…") if errors.is_terminal else _nothing() as status:
            def progress(item: str, check: str) -> None:
                if status is not None:
                    status.update(f"grading {item}: {check}")
            result = grade(args.submission, options, progress)
    except BadInput as exc:
        errors.print(f"error: {exc}", markup=False, soft_wrap=True)
        _write_fallback(args, f"The submission could not be graded: {exc}")
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - the grader's own failure: report, leave a file, exit 3
        code = exc.exit_code if isinstance(exc, GraderError) else EXIT_INTERNAL
        errors.print(f"internal grader error: {type(exc).__name__}: {exc}", markup=False, soft_wrap=True)
        errors.print("This is a bug in the grader, not in the submission. Rerun with --debug and report it.")
        if args.debug:
            errors.print(traceback.format_exc(), markup=False)
        _write_fallback(args, "The grader failed on this submission (not the student's fault); "
                              "the course staff have to look at it.")
        return code
    render_terminal(result, console, show_passed=not args.failures_only)
    if args.json:
        write_json(result, args.json)
    if args.gradescope:
        write_gradescope(result, args.gradescope)
    if args.junit:
        write_junit(result, args.junit)
    return EXIT_GRADED


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _write_fallback(args: argparse.Namespace, message: str) -> None:
    """Leave a valid (zero-score) results file where one was asked for."""
    for path, payload in ((args.gradescope, {"score": 0.0, "output": message, "tests": []}),
                          (args.json, {"schema": "grader-results/1", "error": message, "score": 0.0,
                                       "max_score": None, "items": []})):
        if path is None:
            continue
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            print(f"error: could not write {path}: {exc}", file=sys.stderr)
