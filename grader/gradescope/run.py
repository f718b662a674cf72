"""Grade the one submission of a Gradescope run into ``results/results.json``, whatever happens.

``run_autograder`` calls this for every submission.  Gradescope needs a ``results.json`` with a
score every time, so each way of not grading still writes one (score 0): no file or several
files uploaded, an unreadable notebook, the grader's own crash.  The student reads the message;
the log on stdout (the full terminal report, hidden checks included, and any traceback) is for
instructors: ``results.json`` sets ``stdout_visibility`` to ``hidden``.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path
from typing import Sequence

from grader.errors import EXIT_BAD_INPUT, EXIT_GRADED, EXIT_INTERNAL, BadInput
from grader.gradescope.submission import find_submission

#: Environment variable naming the autograder root (Gradescope's is ``/autograder``); tests lay out their own.
ROOT_VARIABLE = "AUTOGRADER_ROOT"
DEFAULT_ROOT = "/autograder"

CRASHED = ("The autograder failed on this submission; this is not a problem with your work. "
           "Tell the course staff, who can see what went wrong in the autograder's log.")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grader.gradescope run",
                                     description="Grade /autograder/submission into /autograder/results/results.json.")
    parser.add_argument("--assignment", required=True, help="the assignment this autograder was built for")
    parser.add_argument("--root", type=Path, default=Path(os.environ.get(ROOT_VARIABLE) or DEFAULT_ROOT),
                        help=f"the autograder folder (default: ${ROOT_VARIABLE}, else {DEFAULT_ROOT})")
    return parser


def main(argv: Sequence[str] | None = None, *, fork_zygote: bool = False) -> int:
    """Grade and write results; the exit code says how it went (results are written in every case).

    ``fork_zygote`` is for a fresh process (``python -m grader.gradescope run``); in-process callers
    leave it off and get a zygote started as a new interpreter.
    """
    args = _parser().parse_args(argv)
    root: Path = args.root
    results = root / "results" / "results.json"
    folder = root / "submission"
    print(f"grader: code in {Path(__file__).resolve().parents[1]}, assignment {args.assignment}, "
          f"python {sys.version.split()[0]}", flush=True)
    try:
        submission = find_submission(folder)
        print(f"grading {submission.relative_to(folder)}", flush=True)
        from grader.notebook import read_submission  # judge-side reading only: no torch, nothing of an assignment

        read_submission(submission)  # an unreadable upload is answered before torch is even imported
        if fork_zygote:  # right after import torch, before any assignment is imported
            from grader.sandbox.judge import launcher

            launcher.fork_shared()
        return _grade(submission, args.assignment, results)
    except BadInput as exc:
        message = str(exc).replace(f"{folder}{os.sep}", "")  # the student knows their file by its name
        print(f"not graded: {message}", flush=True)
        _write_error(f"Your submission could not be graded: {message}", results, args.assignment)
        return EXIT_BAD_INPUT
    except Exception:  # noqa: BLE001 - the grader's own failure: the student still gets a results file
        traceback.print_exc(file=sys.stdout)
        _write_error(CRASHED, results, args.assignment)
        return EXIT_INTERNAL


def _write_error(message: str, results: Path, assignment: str) -> None:
    # imported here, not at the top: nothing but torch may be loaded before the zygote's fork
    from grader.report.gradescope import write_gradescope_error

    write_gradescope_error(message, results, assignment=assignment)


def _grade(submission: Path, assignment: str, results: Path) -> int:
    from rich.console import Console

    from grader.grade import GradeOptions, grade
    from grader.report import render_terminal, write_gradescope

    result = grade(submission, GradeOptions(assignment=assignment))
    render_terminal(result, Console(file=sys.stdout, width=120, highlight=False, emoji=False))
    write_gradescope(result, results)
    return EXIT_GRADED
