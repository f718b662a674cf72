"""Reporters of a mutation run: a rich table per item with the survivors' diffs, and a JSON file."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from grader.mutate.run import MutationRun

#: survived-prints: behaves the same but prints other progress lines (no check grades them)
COLUMNS = ("killed", "survived-differs", "survived-prints", "survived-same", "survived-unknown", "error")


def counts(run: MutationRun) -> dict[str, Counter[str]]:
    """Outcome counts per item, in item order."""
    table: dict[str, Counter[str]] = {item: Counter() for item in run.items()}
    for result in run.results:
        table[result.mutant.item][result.outcome] += 1
    return table


def score(counter: Counter[str]) -> float | None:
    """Killed among the mutants that behave differently (None when there are none)."""
    relevant = counter["killed"] + counter["survived-differs"]
    return counter["killed"] / relevant if relevant else None


def render(run: MutationRun, console: Console) -> None:
    per_item = counts(run)
    shown = [c for c in COLUMNS if c in ("killed", "survived-differs", "survived-same")
             or any(k[c] for k in per_item.values())]
    table = Table(title=f"Mutation testing: {run.assignment} (seed {run.seed}, {run.duration_s:.0f} s)")
    table.add_column("item")
    table.add_column("mutants", justify="right")
    for column in shown:
        table.add_column(column, justify="right")
    table.add_column("caught", justify="right")
    total: Counter[str] = Counter()
    for item, counter in per_item.items():
        total.update(counter)
        table.add_row(item, str(sum(counter.values())), *(str(counter[c]) for c in shown), _percent(score(counter)))
    table.add_row("total", str(sum(total.values())), *(str(total[c]) for c in shown), _percent(score(total)),
                  style="bold")
    console.print(table)
    survivors = [r for r in run.results if r.outcome.startswith("survived")]
    if not survivors:
        return
    console.print("Survivors (caught = killed / (killed + survived-differs)):")
    for result in survivors:
        m = result.mutant
        assert result.verdict is not None
        console.print(f"{m.id} ({m.label}) in {m.definition}: {result.verdict.text}", markup=False,
                      highlight=False, soft_wrap=True)
        console.print(f"  - line {m.line}: {m.old}", markup=False, highlight=False, soft_wrap=True)
        console.print(f"  + line {m.line}: {m.new}", markup=False, highlight=False, soft_wrap=True)
    errors = [r for r in run.results if r.outcome == "error"]
    for result in errors:
        console.print(f"{result.mutant.id}: the grader failed: {result.grade.error}", markup=False, soft_wrap=True)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def to_json(run: MutationRun) -> dict[str, Any]:
    per_item = counts(run)
    total: Counter[str] = Counter()
    for counter in per_item.values():
        total.update(counter)
    return {
        "schema": "grader-mutation/1", "assignment": run.assignment, "seed": run.seed,
        "duration_s": round(run.duration_s, 1),
        "items": [{"item": item, "mutants": sum(c.values()), **{k: c[k] for k in COLUMNS}, "caught": score(c)}
                  for item, c in per_item.items()],
        "total": {"mutants": sum(total.values()), **{k: total[k] for k in COLUMNS}, "caught": score(total)},
        "mutants": [{"id": r.mutant.id, "item": r.mutant.item, "definition": r.mutant.definition,
                     "kind": r.mutant.kind, "change": r.mutant.label, "line": r.mutant.line, "old": r.mutant.old,
                     "new": r.mutant.new, "outcome": r.outcome, "score": r.grade.score,
                     "max_score": r.grade.max_score, "checks_lost": list(r.grade.lost), "error": r.grade.error,
                     "verdict": r.verdict.text if r.verdict else None} for r in run.results],
    }


def write_json(run: MutationRun, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_json(run), indent=2) + "\n", encoding="utf-8")
