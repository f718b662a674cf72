"""How many mutants of the references the checks catch: every mutant of all three assignments.

A benchmark, not a gating test (it grades several hundred mutants: about a quarter of an hour on two
cores).  For each assignment it prints ``python -m grader mutate``'s table and survivors, then one
score table: per assignment, the mutants killed, those surviving that behave differently (the checks'
misses), those that differ only in what they print (progress lines, which no check grades), those
surviving that behave the same (equivalent on the declared inputs) and the share caught.

    nice .venv/bin/python benchmarks/mutation_score.py [--max-per-item N] [--seed S] [--json DIR]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from grader.assignment import available  # noqa: E402
from grader.mutate.report import counts, render, score, write_json  # noqa: E402
from grader.mutate.run import mutate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-per-item", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="folder for one <assignment>.json per assignment")
    args = parser.parse_args()
    console = Console(highlight=False)
    totals: dict[str, Counter[str]] = {}
    for name, assignment in available().items():
        run = mutate(assignment, max_per_item=args.max_per_item, seed=args.seed,
                     progress=lambda text: print(f"{name}: {text}", file=sys.stderr, flush=True))
        render(run, console)
        if args.json:
            write_json(run, args.json / f"{name}.json")
        totals[name] = sum(counts(run).values(), Counter())
    table = Table(title="Mutation score of the checks")
    for column in ("assignment", "mutants", "killed", "survived-differs", "survived-prints", "survived-same", "other",
                   "caught"):
        table.add_column(column, justify="left" if column == "assignment" else "right")
    for name, c in [*totals.items(), ("all", sum(totals.values(), Counter()))]:
        named = ("killed", "survived-differs", "survived-prints", "survived-same")
        other = sum(c.values()) - sum(c[k] for k in named)
        caught = score(c)
        table.add_row(name, str(sum(c.values())), *(str(c[k]) for k in named), str(other),
                      "-" if caught is None else f"{100 * caught:.1f}%")
    console.print(table)


if __name__ == "__main__":
    main()
