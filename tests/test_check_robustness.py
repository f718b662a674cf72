"""No false failures: every check, 20 seeds, on correct implementations.

The statistical checks state a false-failure bound ≤ 1e-9; the others must not
depend on luck at all.  Each seed changes every generated input, Hypothesis's
search and the worker's random state.
"""

from __future__ import annotations

import pytest

from catalog_entries import Entry, entries
from grader import assignment as assignments
from grader.checks.core import ItemContext, run_check, skipped_result
from grader.extract import extract
from grader.notebook import read_submission
from grader.sandbox.judge.client import Sandbox

SEEDS = range(1, 21)
GOOD = [e for e in entries() if e.good]


@pytest.mark.slow
@pytest.mark.parametrize("entry", GOOD, ids=[e.id for e in GOOD])
def test_every_check_passes_on_twenty_seeds(entry: Entry) -> None:
    item_name = entry.item
    [item] = [i for i in assignments.get(entry.assignment).items if i.name == item_name]
    extraction = extract(read_submission(entry.path), [item_name])
    failures = []
    with Sandbox(extraction.statements) as sandbox:
        for seed in SEEDS:
            ctx = ItemContext(sandbox=sandbox, item=item_name, name=item_name, seed=seed)
            for check in item.checks:
                if check.group:  # an optional group (smoke): tests/test_smoke.py
                    continue
                result = run_check(check, ctx)
                expected = "warning" if check.name in entry.warns else "passed"
                if skipped_result(check, ctx.available) is not None:  # a GPU check on a machine without one
                    expected = "skipped"
                if result.outcome != expected:
                    failures.append((seed, check.name, result.message, result.counterexample))
    assert not failures
