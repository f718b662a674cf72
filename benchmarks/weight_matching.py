"""Time of the judge's weight matching (grader/checks/weight_copy.py) at the worst size it accepts.

A student's module with more parameter tensors than ``weight_copy.parameter_limit`` (64 for a
residual block) is refused before any matching; below it, the matching is a backtracking search
pruned by a bipartite matching test.  This prints the time of ``candidate_mappings`` for a correct
block (the normal case) and for adversarial blocks at the limit, each as a ratio to the normal case,
and for contrast the same inputs under plain backtracking (the search before the bound).

    .venv/bin/python benchmarks/weight_matching.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grader.checks import weight_copy  # noqa: E402
from reference.resnet_cifar10 import ResidualBlock  # noqa: E402

C = 4  #: ResidualBlock(4, 4, 1): both convolutions have one shape, the worst case for matching


def conv(i: int) -> dict[str, Any]:
    return {"prefix": f"c{i}", "parameters": [{"name": f"c{i}.weight", "shape": [C, C, 3, 3]}], "buffers": []}


def bn(i: int) -> dict[str, Any]:
    return {"prefix": f"b{i}", "parameters": [{"name": f"b{i}.weight", "shape": [C]},
                                              {"name": f"b{i}.bias", "shape": [C]}],
            "buffers": [{"name": f"b{i}.running_mean", "shape": [C]}, {"name": f"b{i}.running_var", "shape": [C]}]}


def block(convs: int, bns: int, bns_first: bool = False) -> list[dict[str, Any]]:
    units_c, units_b = [conv(i) for i in range(convs)], [bn(i) for i in range(bns)]
    return units_b + units_c if bns_first else units_c + units_b


def plain_backtracking(student: list[dict[str, Any]], reference: list[dict[str, Any]]) -> int:
    """The search before the bound: every partial assignment, until MAX_MAPPINGS complete ones."""
    found = 0

    def extend(index: int, used: frozenset[int]) -> bool:
        nonlocal found
        if index == len(reference):
            found += 1
            return found >= weight_copy.MAX_MAPPINGS
        for position, unit in enumerate(student):
            if position not in used and weight_copy._covers(unit, reference[index]) is not None:
                if extend(index + 1, used | {position}):
                    return True
        return False

    extend(0, frozenset())
    return found


def seconds(function: Callable[[], object], budget_s: float = 1.0) -> float:
    """Median of repeated runs (at least 3, for about ``budget_s``)."""
    times: list[float] = []
    while len(times) < 3 or (sum(times) < budget_s and len(times) < 200):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    reference = weight_copy.reference_units(ResidualBlock(C, C, 1))
    limit = weight_copy.parameter_limit(reference)
    tensors = lambda units: weight_copy.parameter_count(units)  # noqa: E731
    normal = block(2, 2)
    base = seconds(lambda: weight_copy.candidate_mappings(normal, reference))
    print(f"reference: {len(reference)} units, {tensors(reference)} parameter tensors; limit {limit} tensors")
    print(f"normal case (a correct block, {tensors(normal)} tensors): {base * 1e3:.3f} ms")
    cases = {
        "spare convolutions, second batch norm missing (no mapping)": block(limit - 2, 1),
        "spare convolutions, complete": block(limit - 4, 2),
        "spare batch norms registered first": block(2, (limit - 2) // 2, bns_first=True),
        "half convolutions, half batch norms": block(limit // 2, limit // 4),
    }
    worst = 0.0
    for name, units in cases.items():
        assert tensors(units) <= limit
        t = seconds(lambda: weight_copy.candidate_mappings(units, reference))
        worst = max(worst, t)
        mappings = len(weight_copy.candidate_mappings(units, reference))
        print(f"  {name} ({tensors(units)} tensors, {mappings} mappings): {t * 1e3:.2f} ms = {t / base:.0f}x normal")
    print(f"worst allowed size: {worst * 1e3:.2f} ms = {worst / base:.0f}x the normal case")
    hardest = cases["spare convolutions, second batch norm missing (no mapping)"]
    old = seconds(lambda: plain_backtracking(hardest, reference), budget_s=0.5)
    print(f"plain backtracking on the no-mapping case at the limit: {old * 1e3:.1f} ms = {old / base:.0f}x normal")
    for size in (128, 400):  # above the limit: refused by candidate_mappings, timed here for scale
        above = block(size, 1)
        covers = [[weight_copy._covers(s, r) is not None for s in above] for r in reference]
        pruned = seconds(lambda: list(weight_copy._unit_assignments(above, reference, covers)))
        line = f"above the limit, {tensors(above)} tensors (refused): pruned search {pruned * 1e3:.2f} ms"
        if size <= 128:
            plain = seconds(lambda: plain_backtracking(above, reference), budget_s=0.5)
            line += f", plain backtracking {plain * 1e3:.0f} ms"
        print(line)

if __name__ == "__main__":
    main()
