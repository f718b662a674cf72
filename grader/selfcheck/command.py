"""``python -m grader check`` and ``python -m grader release``: the student-facing commands.

Same exit codes and ``error:`` lines as ``grade`` (grader.errors): 0 checked (whatever passed),
2 bad input, 3 the grader's own failure.
"""

from __future__ import annotations

import argparse
import traceback
from pathlib import Path
from typing import Callable

from rich.console import Console

from grader.errors import EXIT_GRADED, EXIT_INTERNAL, BadInput, GraderError


def _guarded(args: argparse.Namespace, errors: Console, work: Callable[[], int]) -> int:
    try:
        return work()
    except BadInput as exc:
        errors.print(f"error: {exc}", markup=False, soft_wrap=True)
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - the grader's own failure: say so, exit 3
        errors.print(f"internal grader error: {type(exc).__name__}: {exc}", markup=False, soft_wrap=True)
        errors.print("This is a bug in the grader, not in your notebook. Rerun with --debug and report it.",
                     soft_wrap=True)
        if args.debug:
            errors.print(traceback.format_exc(), markup=False)
        return exc.exit_code if isinstance(exc, GraderError) else EXIT_INTERNAL


def run_check(args: argparse.Namespace) -> int:
    from grader.selfcheck.report import print_notes, render_self_check
    from grader.selfcheck.run import self_check

    console, errors = Console(highlight=False), Console(stderr=True, highlight=False, emoji=False)

    def work() -> int:
        result = self_check(args.submission, args.assignment)
        print_notes(result, errors)
        render_self_check(result, console)
        return EXIT_GRADED
    return _guarded(args, errors, work)


def run_release(args: argparse.Namespace) -> int:
    from grader.release.bundle import build_bundle

    console, errors = Console(highlight=False), Console(stderr=True, highlight=False, emoji=False)

    def work() -> int:
        out = build_bundle(args.assignment, args.out or Path("release") / args.assignment)
        files = [p for p in out.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        console.print(f"wrote {out}: {len(files)} files, {size / 1024:.0f} KiB", markup=False)
        return EXIT_GRADED
    return _guarded(args, errors, work)



