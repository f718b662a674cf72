"""How long one grade of the full-marks ResNet notebook takes, as a ratio to ``import torch``.

Grades ``submissions/resnet_cifar10_full_marks.ipynb`` as a user would (``python -m
grader grade <notebook> --json <file>``, in a fresh temporary working directory) and
times it against ``python -c "import torch"`` in the same run, so the figure does not
depend on how fast or how loaded the machine is: N pairs, interleaved (torch import,
grade, torch import, grade, ...), each pair printed, then the median of the per-pair
ratios.  It also prints the judge's peak memory (its ``VmHWM``, polled from
``/proc/<pid>/status`` every 20 ms until it exits; the zygote and the executors it forks
are other processes) and the peak of its whole process tree (the largest sum of their
``VmRSS`` at one poll; shared pages count once per process, so it over-states).

    .venv/bin/python benchmarks/single_grade.py                    # 5 pairs, this working tree
    .venv/bin/python benchmarks/single_grade.py --pairs 5 --ref cf4218a
    .venv/bin/python benchmarks/single_grade.py --pairs 5 --at HEAD --ref cf4218a

``--at REV`` measures a ``git worktree`` checkout of REV instead of this working tree
(whose files may be half-edited while someone works in it).  ``--ref REV`` measures a
``git worktree`` checkout of REV too (same interpreter,
``PYTHONPATH`` pointing at the checkout; removed afterwards), interleaved with this
working tree so both ratios come from one run; the side that goes first alternates
from pair to pair.  One unmeasured warm-up round (``--warmup``) comes first: the first
torch import after a while reads its libraries from disk.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from attack_catalog import MemoryPeaks, run_watched  # noqa: E402

NOTEBOOK = REPO / "submissions" / "resnet_cifar10_full_marks.ipynb"
TIMEOUT_S = 900.0


@dataclass
class Run:
    seconds: float
    memory: MemoryPeaks
    score: str = ""


@dataclass
class Side:
    name: str  #: "now" (this working tree) or "ref"
    root: Path  #: the checkout whose grader runs
    about: str = ""

    def env(self, tmpdir: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR")}
        env.update(TERM="dumb", TMPDIR=str(tmpdir), PYTHONPATH=str(self.root))
        return env


def _workspace(scratch: Path, label: str) -> Path:
    workspace = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=scratch))
    for sub in ("cwd", "tmp", "out"):
        (workspace / sub).mkdir()
    return workspace


def _timed(command: list[str], workspace: Path, side: Side) -> tuple[subprocess.CompletedProcess[str], Run]:
    started = time.perf_counter()
    finished, memory = run_watched(command, TIMEOUT_S, cwd=workspace / "cwd", env=side.env(workspace / "tmp"))
    return finished, Run(time.perf_counter() - started, memory)


def import_torch(side: Side, scratch: Path) -> Run:
    workspace = _workspace(scratch, "torch")
    finished, run = _timed([sys.executable, "-c", "import torch"], workspace, side)
    if finished.returncode:
        raise SystemExit(f"python -c 'import torch' failed ({finished.returncode}):\n{finished.stderr}")
    return run


def grade(side: Side, notebook: Path, scratch: Path) -> Run:
    workspace = _workspace(scratch, f"grade-{side.name}")
    results = workspace / "out" / "grader.json"
    finished, run = _timed([sys.executable, "-m", "grader", "grade", str(notebook), "--json", str(results)],
                           workspace, side)
    if finished.returncode or not results.exists():
        raise SystemExit(f"{side.name}: the grader exited {finished.returncode}:\n{finished.stderr[-3000:]}")
    items = json.loads(results.read_text(encoding="utf-8"))["items"]
    run.score = f"{sum(i['score'] for i in items):g}/{sum(i['max_score'] for i in items):g}"
    return run


def check_imports(side: Side, scratch: Path) -> str:
    """The grader package ``side`` really runs (PYTHONPATH must win over the editable install)."""
    workspace = _workspace(scratch, "check")
    found = subprocess.run([sys.executable, "-c", "import grader; print(grader.__file__)"], cwd=workspace / "cwd",
                           env=side.env(workspace / "tmp"), capture_output=True, text=True, check=True).stdout.strip()
    if not Path(found).resolve().is_relative_to(side.root.resolve()):
        raise SystemExit(f"{side.name}: grader imported from {found}, not from {side.root}")
    return found


def _mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def describe(run_torch: Run, run_grade: Run) -> str:
    return (f"torch {run_torch.seconds:5.2f} s  grade {run_grade.seconds:6.2f} s  "
            f"ratio {run_grade.seconds / run_torch.seconds:5.2f}x  score {run_grade.score}  "
            f"judge {_mib(run_grade.memory.judge_kib)}  tree {_mib(run_grade.memory.tree_kib)}")


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=5, help="(torch import, grade) pairs per side (default 5)")
    parser.add_argument("--at", metavar="REV", help="measure a git worktree of REV instead of this working tree")
    parser.add_argument("--ref", metavar="REV", help="also measure a git worktree of this revision, interleaved")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured rounds first (default 1)")
    parser.add_argument("--notebook", type=Path, default=NOTEBOOK, help="the submission to grade")
    args = parser.parse_args()

    head = _git("rev-parse", "--short", "HEAD")
    dirty = _git("status", "--porcelain", "--", "grader", "assignments", "reference")
    with tempfile.TemporaryDirectory(prefix="single-grade-") as scratch_name:
        scratch = Path(scratch_name)
        worktrees: list[Path] = []

        def checkout(label: str, rev: str) -> Side:
            worktree = scratch / label
            _git("worktree", "add", "--detach", "--quiet", str(worktree), rev)
            worktrees.append(worktree)
            return Side(label, worktree, f"worktree of {rev} = {_git('-C', str(worktree), 'rev-parse', '--short', 'HEAD')}")

        try:
            sides = [checkout("now", args.at) if args.at else
                     Side("now", REPO, f"this working tree (HEAD {head}{', uncommitted grader changes' if dirty else ''})")]
            if args.ref:
                sides.append(checkout("ref", args.ref))
            print(f"notebook: {args.notebook.relative_to(REPO) if args.notebook.is_relative_to(REPO) else args.notebook}")
            print(f"python: {sys.executable}; cpus: {os.cpu_count()}; load average: "
                  f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            for side in sides:
                print(f"{side.name}: {side.about}, grader from {check_imports(side, scratch)}")
            for _ in range(args.warmup):
                for side in sides:
                    import_torch(side, scratch)
                    grade(side, args.notebook, scratch)
            ratios: dict[str, list[float]] = {side.name: [] for side in sides}
            grades: dict[str, list[Run]] = {side.name: [] for side in sides}
            torches: list[Run] = []
            for pair in range(1, args.pairs + 1):
                order = sides if pair % 2 or len(sides) == 1 else sides[::-1]
                for side in order:
                    run_torch = import_torch(side, scratch)
                    run_grade = grade(side, args.notebook, scratch)
                    ratios[side.name].append(run_grade.seconds / run_torch.seconds)
                    grades[side.name].append(run_grade)
                    torches.append(run_torch)
                    print(f"pair {pair}  {side.name}  {describe(run_torch, run_grade)}", flush=True)
        finally:
            for worktree in worktrees:
                _git("worktree", "remove", "--force", str(worktree))
            _git("worktree", "prune")
    print(f"\nmedian over {args.pairs} pairs (import torch alone: median "
          f"{statistics.median(r.seconds for r in torches):.2f} s, peak {_mib(max(r.memory.judge_kib for r in torches))})")
    for side in sides:
        runs = grades[side.name]
        print(f"  {side.name}: grade / import torch = {statistics.median(ratios[side.name]):.2f}x "
              f"(per pair: {', '.join(f'{r:.2f}' for r in ratios[side.name])}); grade median "
              f"{statistics.median(r.seconds for r in runs):.2f} s; judge peak max {_mib(max(r.memory.judge_kib for r in runs))}; "
              f"tree peak max {_mib(max(r.memory.tree_kib for r in runs))}")
    if len(sides) == 2:
        now, ref = (ratios[side.name] for side in sides)
        per_pair = [a / b for a, b in zip(now, ref)]
        print(f"  now / ref (median of the per-pair ratio of the two ratios): {statistics.median(per_pair):.2f}")


if __name__ == "__main__":
    main()
