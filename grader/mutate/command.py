"""``python -m grader mutate``: its arguments and what it does with them (called from grader.cli)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

from grader.errors import EXIT_BAD_INPUT, EXIT_GRADED, BadInput


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {text!r}")
    return value


def add_parser(commands: Any, output_file: Any) -> None:
    m = commands.add_parser("mutate", help="grade single-change mutants of an assignment's reference "
                                           "(what do the checks miss?)")
    m.add_argument("assignment", help="assignment name (a folder of assignments/)")
    m.add_argument("--item", help="mutate only this item (default: every item)")
    m.add_argument("--max-per-item", type=_count, default=None, metavar="N",
                   help="grade at most N mutants of each item, sampled with --seed (default: all)")
    m.add_argument("--seed", type=int, default=0, help="seed of the sample, the grading and the differential test")
    m.add_argument("--json", type=output_file, help="write every mutant's outcome here")


def run(args: argparse.Namespace, console: Console, errors: Console) -> int:
    from grader.assignment import get
    from grader.mutate.report import render, write_json
    from grader.mutate.run import mutate

    try:
        assignment = get(args.assignment)
        with errors.status("mutating…") if errors.is_terminal else _Quiet() as status:
            def progress(text: str) -> None:
                if status is not None:
                    status.update(text)
            result = mutate(assignment, args.item, args.max_per_item, args.seed, progress=progress)
    except BadInput as exc:
        errors.print(f"error: {exc}", markup=False, soft_wrap=True)
        return EXIT_BAD_INPUT
    render(result, console)
    if args.json is not None:
        try:
            write_json(result, Path(args.json))
        except OSError as exc:
            errors.print(f"error: could not write {args.json} ({exc.strerror or exc}); check that its folder "
                         "can be written", markup=False, soft_wrap=True)
            return EXIT_BAD_INPUT
    return EXIT_GRADED


class _Quiet:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
