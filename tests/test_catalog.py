"""Every check sorts the catalog correctly: good implementations pass, bad ones are caught."""

from __future__ import annotations

import pytest

from catalog_entries import Entry, entries
from grader import assignment as assignments
from grader.grade import GradeOptions, grade

ENTRIES = entries()


@pytest.mark.slow
@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_catalog_entry(entry: Entry) -> None:
    result = grade(entry.path, GradeOptions(assignment=entry.assignment, items=(entry.item,)))
    [item] = result.items
    outcomes = {c.name: c for c in item.checks}
    if entry.good:
        failed = {n: c.message for n, c in outcomes.items() if c.outcome == "failed"}
        assert not failed, f"a correct implementation failed: {failed}"
        warned = {n for n, c in outcomes.items() if c.outcome == "warning"}
        assert warned == set(entry.warns), f"warnings {warned}, the entry's 'Warns:' line says {set(entry.warns)}"
    else:
        assert entry.caught_by, "a bad entry must name the checks that catch it ('Caught by: …')"
        unknown = set(entry.caught_by) - set(outcomes)
        assert not unknown, f"'Caught by' names checks that do not exist: {unknown}"
        caught = [n for n in entry.caught_by if outcomes[n].outcome in ("failed", "warning")]
        assert caught, (f"none of {entry.caught_by} caught this bug; outcomes: "
                        f"{ {n: c.outcome for n, c in outcomes.items()} }")


def test_every_check_has_a_good_and_a_bad_entry() -> None:
    for name, assignment in assignments.available().items():
        for item in assignment.items:
            item_entries = [e for e in ENTRIES if e.assignment == name and e.item == item.name]
            if not item_entries:
                continue  # items without a catalog yet are reported by the next test
            assert sum(e.good for e in item_entries) >= 5, f"{item.name}: fewer than 5 good entries"
            assert sum(not e.good for e in item_entries) >= 8, f"{item.name}: fewer than 8 bad entries"
            named = {c for e in item_entries for c in (*e.caught_by, *e.warns)}
            # an optional group (smoke) does not run here: tests/test_smoke.py covers it
            missing = [c.name for c in item.checks if c.name not in named and not c.group]
            assert not missing, f"{item.name}: no catalog entry is caught by (or warned by) {missing}"


def test_every_graded_item_has_a_catalog() -> None:
    for name, assignment in assignments.available().items():
        for item in assignment.items:
            assert any(e.assignment == name and e.item == item.name for e in ENTRIES), \
                f"{name}.{item.name} has no catalog under tests/catalog/{name}/{item.name}/"
