"""What each attack of tests/attacks/ costs the grader, and how it ends.

Grades every attack (plus its correct companion item) with the command line, one
at a time, and prints one row per attack: the attacked item's score, the
companion's score, worker restarts, wall time, the judge's peak memory (its ``VmHWM``,
polled from ``/proc/<pid>/status`` every 20 ms until it exits; the zygote and executors it
forks are other processes), the peak of the judge's whole process tree (the largest sum of
their ``VmRSS`` at one poll; shared pages count once per process, so it over-states), and
the first failure message.

    .venv/bin/python benchmarks/attack_costs.py                 # the default limits (10 s per request)
    .venv/bin/python benchmarks/attack_costs.py --test-limits   # the limits the tests use
    .venv/bin/python benchmarks/attack_costs.py sys_exit os_exit   # some attacks only

The worst case is bounded by the limits: an item stops after two lost workers,
each lost worker costs at most one request deadline plus a restart, and the whole
submission stops at ``--submission-timeout`` seconds.  The baseline row grades
the two correct items alone.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "tests"), str(Path(__file__).resolve().parents[1])]

from attack_catalog import Attack, load_attacks, run_attack  # noqa: E402

BASELINE = Attack("baseline (correct Dropout)", (Path(__file__).resolve().parents[1] / "tests" / "catalog" /
                  "resnet_cifar10" / "Dropout" / "good_bernoulli_mask.py").read_text(encoding="utf-8"), "Dropout")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="attacks to run (default: all)")
    parser.add_argument("--test-limits", action="store_true",
                        help="the tests' limits (2 s per request, 3 s per statement, 1 GiB) instead of the defaults")
    args = parser.parse_args()
    attacks = load_attacks()
    chosen = [attacks[name] for name in args.names] if args.names else [BASELINE, *attacks.values()]
    print("| attack | item | score | companion | restarts | exit | seconds | judge MiB | tree MiB | first failure |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    worst, worst_name = 0.0, ""
    worst_judge, worst_judge_name = 0, ""
    worst_tree, worst_tree_name = 0, ""
    with tempfile.TemporaryDirectory(prefix="attack-costs-") as scratch:
        for index, attack in enumerate(chosen):
            limits = {} if args.test_limits else {"timeout_s": 10.0, "extra_args": ()}
            outcome = run_attack(attack, Path(scratch) / str(index), watch_memory=True, **limits)
            memory = outcome.memory
            if not outcome.results.get("items"):  # no results file: the grader itself failed
                error = (outcome.stderr.strip().splitlines() or ["?"])[-1].replace("|", "/")
                print(f"| {attack.name} | {attack.item} | - | - | - | {outcome.exit_code} | {outcome.seconds:.1f} | "
                      f"{memory.judge_kib / 1024:.0f} | {memory.tree_kib / 1024:.0f} | NO RESULTS: {error[:110]} |",
                      flush=True)
                continue
            item = outcome.item(attack.item)
            companion = outcome.item(attack.companion[0])
            failed = outcome.failures(attack.item)
            first = next(iter(failed.values()), "").replace("|", "/").replace("\n", " ")
            clean = "" if not (outcome.survivors or outcome.changed_outside or outcome.connections) else \
                f" LEAK: survivors={outcome.survivors} changed={outcome.changed_outside}"
            print(f"| {attack.name} | {attack.item} | {item['score']:g}/{item['max_score']:g} | "
                  f"{companion['score']:g}/{companion['max_score']:g} | {outcome.results['sandbox']['restarts']} | "
                  f"{outcome.exit_code} | {outcome.seconds:.1f} | {memory.judge_kib / 1024:.0f} | "
                  f"{memory.tree_kib / 1024:.0f} | {first[:110]}{clean} |", flush=True)
            if outcome.seconds > worst:
                worst, worst_name = outcome.seconds, attack.name
            if memory.judge_kib > worst_judge:
                worst_judge, worst_judge_name = memory.judge_kib, attack.name
            if memory.tree_kib > worst_tree:
                worst_tree, worst_tree_name = memory.tree_kib, attack.name
    print(f"\nworst time: {worst:.1f} s ({worst_name})")
    print(f"worst judge peak memory (VmHWM): {worst_judge / 1024:.0f} MiB ({worst_judge_name})")
    print(f"worst process-tree peak (sum of VmRSS): {worst_tree / 1024:.0f} MiB ({worst_tree_name})")


if __name__ == "__main__":
    main()
