"""One mutation run: generate each item's mutants, grade them, and judge every survivor differentially."""

from __future__ import annotations

import queue
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal

from grader.assignment import Assignment
from grader.mutate.differ import Differ, Verdict
from grader.mutate.generate import Mutant, generate, item_names
from grader.mutate.grading import MAX_WORKERS, Grade, grade_all

Outcome = Literal["killed", "survived-differs", "survived-prints", "survived-same", "survived-unknown", "error"]


@dataclass(frozen=True)
class MutantResult:
    mutant: Mutant
    grade: Grade
    verdict: Verdict | None  #: the differential test's, for survivors only

    @property
    def outcome(self) -> Outcome:
        if self.grade.error is not None:
            return "error"
        if self.grade.killed:
            return "killed"
        assert self.verdict is not None
        return {"same": "survived-same", "differs": "survived-differs",  # type: ignore[return-value]
                "prints": "survived-prints"}.get(self.verdict.outcome, "survived-unknown")


@dataclass(frozen=True)
class MutationRun:
    assignment: str
    seed: int
    results: tuple[MutantResult, ...]
    duration_s: float

    def items(self) -> list[str]:
        return list(dict.fromkeys(r.mutant.item for r in self.results))


def mutate(assignment: Assignment, item: str | None = None, max_per_item: int | None = None, seed: int = 0,
           workers: int = MAX_WORKERS, progress: Callable[[str], None] | None = None) -> MutationRun:
    started = time.perf_counter()
    mutants = [m for name in item_names(assignment, item) for m in generate(assignment, name, max_per_item, seed)]
    count = [0]

    def graded(mutant: Mutant, grade: Grade) -> None:
        count[0] += 1
        if progress:
            progress(f"graded {count[0]}/{len(mutants)}: {mutant.id}")

    with tempfile.TemporaryDirectory(prefix="grader-mutants-") as folder:
        grades = grade_all(mutants, Path(folder), seed, workers, graded)
    survivors = [m for m in mutants if grades[m.id].error is None and not grades[m.id].killed]
    if progress and survivors:
        progress(f"running the differential test on {len(survivors)} survivors")
    verdicts = _judge_all(survivors, seed, workers)
    results = tuple(MutantResult(m, grades[m.id], verdicts.get(m.id)) for m in mutants)
    return MutationRun(assignment.name, seed, results, time.perf_counter() - started)


def _judge_all(survivors: list[Mutant], seed: int, workers: int) -> dict[str, Verdict]:
    """Each survivor's verdict, from at most ``workers`` differential-test processes."""
    jobs: queue.Queue[Mutant] = queue.Queue()
    for mutant in survivors:
        jobs.put(mutant)
    verdicts: dict[str, Verdict] = {}

    def work() -> None:
        with Differ() as differ:
            while True:
                try:
                    mutant = jobs.get_nowait()
                except queue.Empty:
                    return
                verdicts[mutant.id] = differ.judge(mutant.assignment, mutant.item, mutant.source, seed)

    threads = [threading.Thread(target=work, daemon=True)
               for _ in range(max(1, min(workers, MAX_WORKERS, len(survivors))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return verdicts
