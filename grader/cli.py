"""``python -m grader``: the command line.

Exit codes: 0 graded (whatever the score), 2 bad input, 3 internal grader error
(see grader.errors); ``check`` also 4, a system that cannot run the sandbox.  A results file asked for is always written, even on error,
so that Gradescope or CI never find a missing file.

stderr gets one line per problem: ``error: ...`` (bad input, exit 2, never a
traceback), ``note: ...`` (graded, but read in a way worth knowing: an old
nbformat converted, a .py without cell markers), or the internal-error lines
(exit 3; the traceback only with --debug).
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path
from typing import Callable, NoReturn, Sequence

from rich.console import Console

from grader import __version__
from grader.errors import EXIT_BAD_INPUT, EXIT_GRADED, EXIT_INTERNAL, BadInput, GraderError
from grader.grade import GradeOptions, grade
from grader.report import render_terminal, write_gradescope, write_json, write_junit
from grader.report import write_fallback_html, write_html
from grader.report.gradescope import error_dict
from grader.sandbox.common.limits import GiB, Limits


def _alias(text: str) -> tuple[str, str]:
    item, sep, name = text.partition("=")
    if not sep or not item.isidentifier() or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected ITEM=NAME (e.g. Dropout=MyDropout), got {text!r}")
    return item, name


def _positive(most: int) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not 0 < value <= most:  # also refuses nan
            raise argparse.ArgumentTypeError(f"expected a number above 0 and at most {most:,}, got {text!r}")
        return value
    return parse


def _output_file(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("expected the path of a file to write, got an empty string")
    if Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory; give the path of a file to write in it")
    return Path(text)


class _BadArguments(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Parser(argparse.ArgumentParser):
    """Bad arguments are bad input too: one ``error:`` line (not the usage block), exit 2."""

    def error(self, message: str) -> NoReturn:
        raise _BadArguments(f"{_one_line(message)}; see '{self.prog} --help'")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m grader", description="Grade PyTorch notebook assignments.")
    parser.add_argument("--version", action="version", version=f"grader {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    g = commands.add_parser("grade", help="grade one submission (.ipynb or percent-format .py)")
    g.add_argument("submission", help="path to the student's notebook or .py export")
    g.add_argument("--assignment", help="assignment name (default: detected from the graded names)")
    g.add_argument("--json", type=_output_file, help="write the grader's own results file here")
    g.add_argument("--gradescope", type=_output_file, help="write a Gradescope results.json here")
    g.add_argument("--junit", type=_output_file, help="write JUnit XML here (one test case per check)")
    g.add_argument("--html", type=_output_file,
                   help="write the student's feedback page here (one self-contained HTML file, readable offline)")
    g.add_argument("--alias", type=_alias, action="append", default=[], metavar="ITEM=NAME",
                   help="grade the notebook's NAME as the assignment's ITEM (repeatable)")
    g.add_argument("--item", action="append", default=[], metavar="NAME",
                   help="grade only this item (repeatable; default: every item)")
    g.add_argument("--seed", type=int, default=0, help="base seed; the same seed always gives the same grade")
    g.add_argument("--timeout", type=_positive(86_400), default=Limits.request_timeout_s,
                   help="seconds one probe of student code may take (default %(default)s)")
    g.add_argument("--load-timeout", type=_positive(86_400), default=None,
                   help="seconds one top-level statement may take to load (default: the larger of "
                        f"--timeout and {Limits.load_timeout_s:g})")
    g.add_argument("--submission-timeout", type=_positive(7 * 86_400), default=Limits.submission_timeout_s,
                   help="seconds all of one submission's student code may take, restarts included; "
                        "later checks are not run (default %(default)s)")
    g.add_argument("--memory-gb", type=_positive(1_000_000), default=Limits.memory_bytes / GiB,
                   help="memory the student code may use, in GiB (default %(default)s)")
    g.add_argument("--smoke", action="store_true",
                   help="also run the training smoke tests (zero points, shown as warnings when they fail; "
                        "a short schedule on the CPU, the full one on a GPU)")
    g.add_argument("--failures-only", action="store_true", help="terminal report: hide passed checks")
    g.add_argument("--debug", action="store_true", help="show the grader's traceback on errors")
    try:
        from grader.mutate import command as mutate_command
    except ImportError:  # a student's self-check bundle leaves the instructors' tools out
        pass
    else:
        mutate_command.add_parser(commands, _output_file)
    c = commands.add_parser("check", help="a student's self-check: run the public checks only")
    c.add_argument("submission", help="path to the saved notebook (.ipynb) or .py export")
    c.add_argument("--assignment", help="assignment name (default: detected from the graded names)")
    c.add_argument("--debug", action="store_true", help="show the grader's traceback on errors")
    r = commands.add_parser("release", help="write the student bundle of an assignment from its solution notebook")
    r.add_argument("assignment", help="assignment name (a folder under assignments/)")
    r.add_argument("--out", type=Path, default=None, help="folder to write (default: release/<assignment>)")
    r.add_argument("--debug", action="store_true", help="show the grader's traceback on errors")
    return parser


def _printable_anywhere() -> None:
    """A console or pipe whose encoding lacks ✓ or × (Windows' cp1252 when output goes to Jupyter, an
    ASCII locale) shows ``?`` for them instead of failing the whole report."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and (getattr(stream, "encoding", "") or "").lower().replace("-", "") != "utf8":
            reconfigure(errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    _printable_anywhere()
    try:
        args = build_parser().parse_args(argv)
    except _BadArguments as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        _write_fallback(_results_paths(argv), f"The grader was run with invalid arguments ({exc.message}); "
                                              "the course staff have to look at it.")
        return EXIT_BAD_INPUT
    if args.command in ("check", "release"):
        from grader.selfcheck.command import run_check, run_release

        return (run_check if args.command == "check" else run_release)(args)
    console = Console(stderr=False, highlight=False)
    errors = Console(stderr=True, highlight=False, emoji=False)  # a path may hold ":name:"
    if args.command == "mutate":
        from grader.mutate import command as mutate_command

        return mutate_command.run(args, console, errors)
    load_timeout = args.load_timeout if args.load_timeout is not None else max(args.timeout, Limits.load_timeout_s)
    limits = Limits(request_timeout_s=args.timeout, load_timeout_s=load_timeout,
                    submission_timeout_s=args.submission_timeout, memory_bytes=int(args.memory_gb * GiB))
    options = GradeOptions(assignment=args.assignment, seed=args.seed, limits=limits, aliases=tuple(args.alias),
                           items=tuple(args.item), smoke=args.smoke)
    try:
        with errors.status("grading…") if errors.is_terminal else _nothing() as status:
            def progress(item: str, check: str) -> None:
                if status is not None:
                    status.update(f"grading {item}: {check}")
            result = grade(args.submission, options, progress)
    except BadInput as exc:
        errors.print(f"error: {_one_line(str(exc))}", markup=False, soft_wrap=True)
        _write_fallback(args, f"The submission could not be graded: {exc}")
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - the grader's own failure: report, leave a file, exit 3
        code = exc.exit_code if isinstance(exc, GraderError) else EXIT_INTERNAL
        errors.print(f"internal grader error: {type(exc).__name__}: {exc}", markup=False, soft_wrap=True)
        errors.print("This is a bug in the grader, not in the submission. Rerun with --debug and report it.",
                     soft_wrap=True)
        if args.debug:
            errors.print(traceback.format_exc(), markup=False)
        _write_fallback(args, "The grader failed on this submission (not the student's fault); "
                              "the course staff have to look at it.")
        return code
    for note in result.warnings:
        errors.print(f"note: {_one_line(note)}", markup=False, soft_wrap=True)
    render_terminal(result, console, show_passed=not args.failures_only)
    code = EXIT_GRADED
    for path, write in ((args.json, write_json), (args.gradescope, write_gradescope), (args.junit, write_junit),
                        (args.html, write_html)):
        if path is None:
            continue
        try:
            write(result, path)
        except OSError as exc:  # the others are still written
            errors.print(f"error: could not write {_one_line(str(path))} ({exc.strerror or exc}); check that its "
                         "folder can be written", markup=False, soft_wrap=True)
            code = EXIT_BAD_INPUT
    return code


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)}


def _one_line(text: str) -> str:
    """``text`` with control characters (a newline in a file name...) escaped: one line on the terminal."""
    return text.translate(_CONTROL)


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _results_paths(argv: Sequence[str] | None) -> argparse.Namespace:
    """--json, --gradescope and --html out of arguments that do not parse as a whole."""
    parser = _Parser(add_help=False, exit_on_error=False)
    parser.add_argument("--json")
    parser.add_argument("--gradescope")
    parser.add_argument("--html")
    try:
        found = parser.parse_known_args(sys.argv[1:] if argv is None else list(argv))[0]
    except (argparse.ArgumentError, _BadArguments):
        return argparse.Namespace(json=None, gradescope=None, html=None)
    usable = {}
    for name in ("json", "gradescope", "html"):
        try:
            usable[name] = _output_file(getattr(found, name)) if getattr(found, name) is not None else None
        except argparse.ArgumentTypeError:  # the bad argument itself: already reported
            usable[name] = None
    return argparse.Namespace(**usable)


def _write_fallback(args: argparse.Namespace, message: str) -> None:
    """Leave a valid (zero-score) results file where one was asked for."""
    for path, payload in ((args.gradescope, error_dict(message)),
                          (args.json, {"schema": "grader-results/1", "error": message, "score": 0.0,
                                       "max_score": None, "items": []})):
        if path is None:
            continue
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            print(f"error: could not write {_one_line(str(path))} ({exc.strerror or exc}); check that its "
                  "folder can be written", file=sys.stderr)
    html = getattr(args, "html", None)
    if html is not None:
        try:
            write_fallback_html(message, html)
        except OSError as exc:
            print(f"error: could not write {_one_line(str(html))} ({exc.strerror or exc}); check that its "
                  "folder can be written", file=sys.stderr)
