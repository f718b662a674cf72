"""Grade mutants as submissions, with at most ``workers`` grading processes (each reuses its zygote).

Each mutant is written as a percent-format ``.py`` (the whole reference, one definition changed) and
graded for its own item only.  Killed means it lost at least one point.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from grader.mutate.generate import Mutant

#: At most this many grading processes: the machines this runs on have two cores.
MAX_WORKERS = 2


@dataclass(frozen=True)
class Grade:
    score: float | None  #: None when the grader failed on the mutant
    max_score: float | None
    lost: tuple[str, ...]  #: the checks that lost points
    error: str | None  #: why the grader failed (counted apart from killed and survived)

    @property
    def killed(self) -> bool:
        return self.error is None and self.score is not None and self.max_score is not None \
            and self.score < self.max_score


def write_submission(mutant: Mutant, folder: Path) -> Path:
    """The mutant as a percent-format script with one cell, named after its id."""
    path = folder / f"{mutant.item}_{mutant.id.split('#')[1]}.py"
    path.write_text("# %%\n" + mutant.source, encoding="utf-8")
    return path


def grade_all(mutants: Sequence[Mutant], folder: Path, seed: int = 0, workers: int = MAX_WORKERS,
              done: Callable[[Mutant, Grade], None] | None = None) -> dict[str, Grade]:
    """Each mutant's grade, by id; ``done`` is called as each one finishes (from a worker thread)."""
    jobs: queue.Queue[Mutant] = queue.Queue()
    for mutant in mutants:
        jobs.put(mutant)
    grades: dict[str, Grade] = {}
    lock = threading.Lock()

    def work() -> None:
        process = _start_worker()
        try:
            while True:
                try:
                    mutant = jobs.get_nowait()
                except queue.Empty:
                    return
                grade, process = _grade_one(process, mutant, write_submission(mutant, folder), seed)
                with lock:
                    grades[mutant.id] = grade
                    if done:
                        done(mutant, grade)
        finally:
            _stop(process)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(max(1, min(workers, MAX_WORKERS,
                                                                                    len(mutants))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return grades


def _start_worker() -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.Popen([sys.executable, "-m", "grader.mutate.worker"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
                            cwd=Path(__file__).resolve().parents[2])


def _grade_one(process: subprocess.Popen[str], mutant: Mutant, path: Path,
               seed: int) -> tuple[Grade, subprocess.Popen[str]]:
    """Its grade, and the worker to use next (a fresh one when this one died)."""
    request = {"path": str(path), "item": mutant.item, "assignment": mutant.assignment, "seed": seed}
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(json.dumps(request) + "\n")
        process.stdin.flush()
        line = process.stdout.readline()
    except (BrokenPipeError, OSError):
        line = ""
    if not line:
        _stop(process)
        return Grade(None, None, (), "the grading worker died"), _start_worker()
    reply = json.loads(line)
    return Grade(reply["score"], reply["max_score"], tuple(reply["lost"]), reply["error"]), process


def _stop(process: subprocess.Popen[str]) -> None:
    if process.stdin is not None:
        try:
            process.stdin.close()
        except OSError:
            pass
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
