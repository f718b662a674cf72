"""Every attack of ``tests/attacks/`` is contained: graded, explained, and confined to its item.

For each attack the command line grades the attack plus a correct second item, as a
user would, and the test asserts the whole contained outcome:

* the grader exits 0 and writes its results file, without a traceback;
* the attacked item scores what the attack's ``Score`` says, its ``Fails`` checks fail
  and every failed check names what happened (``Says``);
* the second item keeps full marks;
* no process of the attack is alive once the grader has exited;
* no file outside the results directory was created, changed or removed (the
  workers' directories are gone too);
* no report holds a line of the grader's or the reference's source, and the
  listener on 127.0.0.1 received no connection.

Each attack is graded once per session (short limits) and every test reads that outcome.
"""

from __future__ import annotations

import pytest

from attack_catalog import SECRETS, Attack, Outcome, load_attacks, run_attack

pytestmark = pytest.mark.slow  # every test here runs the grader

ATTACKS = load_attacks()
_outcomes: dict[str, Outcome] = {}
#: The judge's own peak memory under any attack: torch's import (~630 MiB) plus what it decodes and
#: computes; a reply it decoded naively could cost it gigabytes (measured worst: 706 MiB).
JUDGE_MEMORY_BOUND_MIB = 1024
#: The grader's default deadline for a whole submission (the attacks run under it) plus a margin.
SUBMISSION_DEADLINE_S = 300.0
MARGIN_S = 15.0


def graded(name: str, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    if name not in _outcomes:
        _outcomes[name] = run_attack(ATTACKS[name], tmp_path_factory.mktemp(name), watch_memory=True)
    return _outcomes[name]


def _require(attack: Attack, outcome: Outcome) -> None:
    """Skip, with the sandbox's own reason, when the limit the attack needs is not applied here."""
    if attack.needs == "network":
        applied = outcome.results["sandbox"]["limits_applied"]
        if not any("network" in note for note in applied):
            reasons = "; ".join(outcome.results["sandbox"]["limits_not_applied"]) or "no reason reported"
            pytest.skip(f"network isolation is not applied on this machine: {reasons}")


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_is_contained(name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    attack = ATTACKS[name]
    outcome = graded(name, tmp_path_factory)
    _require(attack, outcome)
    assert outcome.exit_code == 0, outcome.stderr
    assert "Traceback" not in outcome.stderr, outcome.stderr
    assert outcome.seconds < SUBMISSION_DEADLINE_S + MARGIN_S, f"graded in {outcome.seconds:.0f} s"
    assert outcome.memory is not None and 0 < outcome.memory.judge_kib < JUDGE_MEMORY_BOUND_MIB * 1024, \
        f"the judge's peak memory was {outcome.memory and outcome.memory.judge_kib // 1024} MiB"

    companion = outcome.item(attack.companion[0])
    assert companion["score"] == companion["max_score"] > 0, outcome.failures(attack.companion[0])

    item = outcome.item(attack.item)
    assert item["found_as"] == attack.item, "the attacked definition was not found"
    failed = outcome.failures(attack.item)
    if attack.score == "full":
        assert item["score"] == item["max_score"], failed
    elif attack.score == "zero":
        assert item["score"] == 0, [c["name"] for c in item["checks"] if c["outcome"] == "passed"]
    else:
        assert item["score"] < item["max_score"], "an attack earned full marks"
    assert not [c for c in attack.fails if c not in failed], f"checks that passed under attack: {failed}"
    for check, message in failed.items():
        assert attack.says in message, f"{check}: {message!r} does not say {attack.says!r}"
    assert attack.report in outcome.results_text, f"the results file does not mention {attack.report!r}"

    assert outcome.survivors == [], "processes of the attack outlived the grader"
    assert outcome.changed_outside == [], "files changed outside the results directory"
    assert outcome.connections == 0, "the attack reached a listener on 127.0.0.1"
    for secret in SECRETS:
        assert secret not in outcome.results_text, "the report holds the grader's or the reference's source"


def test_a_hang_costs_two_timeouts_then_the_item_fails_fast(tmp_path_factory: pytest.TempPathFactory) -> None:
    outcome = graded("loop_in_forward", tmp_path_factory)
    failed = outcome.failures("Dropout")
    timed_out = [c for c, m in failed.items() if "timed out after 2 s" in m and "not run:" not in m]
    fast = [c for c, m in failed.items() if m.startswith("not run:") and "2 times" in m]
    assert len(timed_out) == 2, failed
    assert len(fast) >= 5, failed
    assert outcome.results["sandbox"]["restarts"] == 1  # the second check's executor; the companion has its own


def test_a_hang_at_load_is_a_cell_problem_and_costs_one_restart(tmp_path_factory: pytest.TempPathFactory) -> None:
    outcome = graded("loop_in_needed_constant", tmp_path_factory)
    problems = [p["message"] for p in outcome.results["extraction"]["cell_problems"] if "timed out" in p["message"]]
    assert problems and "statement skipped" in problems[0], outcome.results["extraction"]["cell_problems"]
    assert outcome.results["sandbox"]["restarts"] == 1


def test_an_exit_at_load_is_a_cell_problem_and_costs_no_restart(tmp_path_factory: pytest.TempPathFactory) -> None:
    outcome = graded("exit_in_needed_constant", tmp_path_factory)
    problems = [p["message"] for p in outcome.results["extraction"]["cell_problems"] if "SystemExit" in p["message"]]
    assert problems, outcome.results["extraction"]["cell_problems"]
    assert outcome.results["sandbox"]["restarts"] == 0


def test_leftovers_cost_a_restart_per_check_until_the_item_fails_fast(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    outcome = graded("spawns_processes", tmp_path_factory)
    failed = outcome.failures("Dropout")
    assert sum("process still running" in m and "not run:" not in m for m in failed.values()) == 2
    assert outcome.results["sandbox"]["restarts"] == 1  # the second check's executor; the companion has its own


def test_memory_exhaustion_costs_two_checks_then_the_item_fails_fast(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    outcome = graded("growing_bytearrays", tmp_path_factory)
    failed = outcome.failures("Dropout")
    exhausted = [c for c, m in failed.items() if "memory limit" in m and "not run:" not in m]
    fast = [c for c, m in failed.items() if m.startswith("not run:") and "ran out of memory" in m]
    assert len(exhausted) == 2, failed
    assert len(fast) >= 5 and all("memory limit" in failed[c] for c in fast), failed
    # Under the submission's cgroup the kernel kills the executor (one restart for the second check);
    # under an address-space limit the allocation raises MemoryError and the executor lives on.
    by_cgroup = any("cgroup" in note for note in outcome.results["sandbox"]["limits_applied"])
    assert outcome.results["sandbox"]["restarts"] == (1 if by_cgroup else 0)
