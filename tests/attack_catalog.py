"""The attack catalog (``tests/attacks/``) and how to grade one attack the way a user would.

Each attack file holds the cells of a hostile implementation of ONE graded item of
``resnet_cifar10``.  Its docstring ends with fields that say what the grader must do:

    Item: Dropout        the item under attack
    Says: timed out      words that every failed check of that item contains (optional)
    Fails: a, b          checks of that item that must fail (optional)
    Score: less          zero, less (than full; the default) or full
    Report: words        words the results file must contain somewhere (optional)
    Needs: network       a limit without which the attack proves nothing: skipped, with the reason
    Timeout: 10          the per-request deadline to grade it under (default: the test's short one)

``run_attack`` appends a correct implementation of a second item (which must keep
full marks), runs ``python -m grader grade`` in a fresh directory of its own, and
returns what happened: exit code, results file, wall time, files changed outside the
results directory, processes of the attack still alive, connections received.
Placeholders in the attack text: ``__PORT__`` (a listener the attack may try to
reach) and ``__MARKER__`` (a unique word to find its processes by).
"""

from __future__ import annotations

import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
REPO = HERE.parent
ATTACKS = HERE / "attacks"
CATALOG = HERE / "catalog" / "resnet_cifar10"
ASSIGNMENT = "resnet_cifar10"
#: The correct second item graded next to each attack.
COMPANION = {"Dropout": ("BatchNorm", CATALOG / "BatchNorm" / "good_biased_var_eps_inside_sqrt.py"),
             "other": ("Dropout", CATALOG / "Dropout" / "good_bernoulli_mask.py")}
#: Lines of the grader and the reference that no report may ever contain.
SECRETS = ('"""Reference solution of the ResNet/CIFAR-10 assignment (seed 002).',
           "def exercise(student: StudentModule, target: dict[str, Any], calls: list[dict[str, Any]],")
_FIELD = re.compile(r"^(Item|Says|Fails|Score|Report|Needs|Timeout): (.*)$", re.MULTILINE)


@dataclass(frozen=True)
class Attack:
    name: str
    text: str
    item: str
    says: str = ""
    fails: tuple[str, ...] = ()
    score: str = "less"
    report: str = ""
    needs: str = ""
    timeout_s: float | None = None  #: the per-request deadline it is graded under, when not the default

    @property
    def companion(self) -> tuple[str, Path]:
        return COMPANION["Dropout" if self.item == "Dropout" else "other"]

    @property
    def summary(self) -> str:
        """The first line of the docstring."""
        return self.text.split('"""', 2)[1].strip().splitlines()[0]


def load_attacks() -> dict[str, Attack]:
    attacks = {}
    for path in sorted(ATTACKS.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        docstring = text.split('"""', 2)[1]
        fields = dict(_FIELD.findall(docstring))
        fails = tuple(name.strip() for name in fields.get("Fails", "").split(",") if name.strip())
        attacks[path.stem] = Attack(path.stem, text, fields["Item"], fields.get("Says", ""), fails,
                                    fields.get("Score", "less"), fields.get("Report", ""), fields.get("Needs", ""),
                                    float(fields["Timeout"]) if "Timeout" in fields else None)
    return attacks


@dataclass
class Outcome:
    exit_code: int
    stderr: str
    results: dict[str, Any]
    results_text: str
    seconds: float
    changed_outside: list[str]  #: files created, changed or removed outside the results directory
    survivors: list[int]  #: PIDs of the attack's processes still alive after the grader exited
    connections: int  #: connections the listener accepted
    memory: "MemoryPeaks | None" = None  #: peaks of the judge and its process tree (``watch_memory=True`` only)

    def item(self, name: str) -> dict[str, Any]:
        [item] = [i for i in self.results["items"] if i["name"] == name]
        return item

    def failures(self, name: str) -> dict[str, str]:
        return {c["name"]: c["message"] for c in self.item(name)["checks"] if c["outcome"] == "failed"}


def _status_kib(pid: int, *fields: str) -> dict[str, int]:
    """``fields`` (e.g. ``VmHWM``) of ``/proc/<pid>/status`` in KiB; empty once the process is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            text = status.read()
    except OSError:
        return {}
    found = {}
    for line in text.splitlines():
        name, _, value = line.partition(b":")
        if name.decode() in fields:
            found[name.decode()] = int(value.split()[0])
    return found


def _parents() -> dict[int, int]:
    """Every process's parent, from ``/proc/<pid>/stat`` (this kernel has no ``/proc/<pid>/task/*/children``)."""
    parents = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    parents[int(entry.name)] = int(stat.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    return parents


@dataclass
class MemoryPeaks:
    """Peak memory of one graded command, in KiB.

    ``judge_kib`` is the judge's own ``VmHWM`` (the kernel's high-water mark of its
    resident set), the last value read before it exited.  The zygote and the executors
    the judge forks are separate processes: ``tree_kib`` is the largest sum of
    ``VmRSS`` over the judge and its descendants at one poll (pages shared between
    them, such as torch's libraries after a fork, are counted once per process, so
    it over-states) and ``largest_kib`` the largest ``VmHWM`` of any one of them.
    Descendants are found by a scan of ``/proc`` every ``scan_every`` polls, so one
    that lives less than that may be missed.
    """

    judge_kib: int = 0
    tree_kib: int = 0
    largest_kib: int = 0
    polls: int = 0


class MemoryWatch:
    """Polls ``/proc/<pid>/status`` of ``pid`` (and its descendants) every ``interval_s`` until it exits."""

    def __init__(self, pid: int, interval_s: float = 0.02, scan_every: int = 5) -> None:
        self.pid, self.interval_s, self.scan_every = pid, interval_s, scan_every
        self.peaks = MemoryPeaks()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name=f"memory-watch-{pid}", daemon=True)

    def __enter__(self) -> "MemoryWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        tree: set[int] = set()
        while not self._stop.is_set():
            judge = _status_kib(self.pid, "VmHWM", "VmRSS")
            if not judge:  # exited (a zombie has no memory lines): its last VmHWM stands
                return
            if self.peaks.polls % self.scan_every == 0:
                parents = _parents()
                tree = {self.pid}
                grew = True
                while grew:  # a child's pid may be lower than its parent's: repeat until stable
                    found = {pid for pid, parent in parents.items() if parent in tree} - tree
                    tree |= found
                    grew = bool(found)
            self.peaks.polls += 1
            self.peaks.judge_kib = max(self.peaks.judge_kib, judge["VmHWM"])
            total = judge["VmRSS"]
            largest = judge["VmHWM"]
            for pid in tree - {self.pid}:
                member = _status_kib(pid, "VmHWM", "VmRSS")
                if member:
                    total += member["VmRSS"]
                    largest = max(largest, member["VmHWM"])
            self.peaks.tree_kib = max(self.peaks.tree_kib, total)
            self.peaks.largest_kib = max(self.peaks.largest_kib, largest)
            self._stop.wait(self.interval_s)


def run_watched(command: list[str], timeout_s: float, **popen: Any) -> tuple[subprocess.CompletedProcess[str], MemoryPeaks]:
    """``subprocess.run(command, timeout=timeout_s, capture_output=True, text=True, **popen)``, watching its memory."""
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen) as process:
        with MemoryWatch(process.pid) as watch:
            try:
                stdout, stderr = process.communicate(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
                raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr), watch.peaks


def _snapshot(root: Path, skip: Path) -> dict[str, tuple[int, int]]:
    files = {}
    for path in root.rglob("*"):
        if skip in path.parents or path == skip:
            continue
        try:
            info = path.lstat()
        except OSError:
            continue
        # a directory's own times change whenever a worker directory comes and goes inside it
        files[str(path.relative_to(root))] = (0, 0) if path.is_dir() else (info.st_size, info.st_mtime_ns)
    return files


def processes_mentioning(*needles: str) -> list[int]:
    """PIDs whose command line or environment contains one of ``needles``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        text = b""
        for part in ("cmdline", "environ"):
            try:
                text += (entry / part).read_bytes()
            except OSError:
                pass
        if any(needle.encode() in text for needle in needles):
            found.append(int(entry.name))
    return found


def _survivors(*needles: str, wait_s: float = 10.0) -> list[int]:
    deadline = time.monotonic() + wait_s
    while (left := processes_mentioning(*needles)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def _accepted(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            connection, _ = server.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


def submission_text(attack: Attack, port: int = 9, marker: str = "attack") -> str:
    """The attack's cells with its placeholders filled, followed by its correct companion item."""
    text = attack.text.replace("__PORT__", str(port)).replace("__MARKER__", marker)
    return text + "\n\n# %%\n" + attack.companion[1].read_text(encoding="utf-8")


def grading_env(tmpdir: Path) -> dict[str, str]:
    """The environment a user's shell would give the CLI: plain terminal, temporary files in ``tmpdir``."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR")}
    env.update(TERM="dumb", TMPDIR=str(tmpdir), PYTHONPATH=str(REPO))
    return env


def run_attack(attack: Attack, workspace: Path, timeout_s: float = 2.0,
               extra_args: tuple[str, ...] = ("--load-timeout", "3", "--memory-gb", "1"),
               command_timeout_s: float = 600.0, watch_memory: bool = False) -> Outcome:
    """Grade ``attack`` plus its companion with the CLI, in ``workspace`` (created here).

    ``watch_memory``: poll the judge's memory while it runs (``Outcome.memory``)."""
    marker = f"attack-{attack.name}-{random.randrange(10**9)}"
    for sub in ("submission", "cwd", "tmp", "out"):
        (workspace / sub).mkdir(parents=True, exist_ok=True)
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.setblocking(False)
        submission = workspace / "submission" / f"{attack.name}.py"
        submission.write_text(submission_text(attack, server.getsockname()[1], marker), encoding="utf-8")
        before = _snapshot(workspace, workspace / "out")
        env = grading_env(workspace / "tmp")
        results_path = workspace / "out" / "grader.json"
        command = [sys.executable, "-m", "grader", "grade", str(submission), "--assignment", ASSIGNMENT,
                   "--item", attack.item, "--item", attack.companion[0],
                   "--timeout", str(attack.timeout_s or timeout_s),
                   "--json", str(results_path), *extra_args]
        started = time.monotonic()
        memory = None
        if watch_memory:
            finished, memory = run_watched(command, command_timeout_s, cwd=workspace / "cwd", env=env)
        else:
            finished = subprocess.run(command, cwd=workspace / "cwd", env=env, capture_output=True, text=True,
                                      timeout=command_timeout_s)
        seconds = time.monotonic() - started
        survivors = _survivors(marker, str(workspace))
        connections = _accepted(server)
    after = _snapshot(workspace, workspace / "out")
    changed = sorted(path for path in set(before) | set(after) if before.get(path) != after.get(path))
    results_text = results_path.read_text(encoding="utf-8") if results_path.exists() else "{}"
    return Outcome(finished.returncode, finished.stderr, json.loads(results_text), results_text, seconds,
                   changed, survivors, connections, memory)
