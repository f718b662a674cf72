"""The attack catalog (``tests/attacks/``) and how to grade one attack the way a user would.

Each attack file holds the cells of a hostile implementation of ONE graded item of
``resnet_cifar10``.  Its docstring ends with fields that say what the grader must do:

    Item: Dropout        the item under attack
    Says: timed out      words that every failed check of that item contains (optional)
    Fails: a, b          checks of that item that must fail (optional)
    Score: less          zero, less (than full; the default) or full
    Report: words        words the results file must contain somewhere (optional)
    Needs: network       a limit without which the attack proves nothing: skipped, with the reason

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
_FIELD = re.compile(r"^(Item|Says|Fails|Score|Report|Needs): (.*)$", re.MULTILINE)


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
                                    fields.get("Score", "less"), fields.get("Report", ""), fields.get("Needs", ""))
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

    def item(self, name: str) -> dict[str, Any]:
        [item] = [i for i in self.results["items"] if i["name"] == name]
        return item

    def failures(self, name: str) -> dict[str, str]:
        return {c["name"]: c["message"] for c in self.item(name)["checks"] if c["outcome"] == "failed"}


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
               command_timeout_s: float = 600.0) -> Outcome:
    """Grade ``attack`` plus its companion with the CLI, in ``workspace`` (created here)."""
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
                   "--item", attack.item, "--item", attack.companion[0], "--timeout", str(timeout_s),
                   "--json", str(results_path), *extra_args]
        started = time.monotonic()
        finished = subprocess.run(command, cwd=workspace / "cwd", env=env, capture_output=True, text=True,
                                  timeout=command_timeout_s)
        seconds = time.monotonic() - started
        survivors = _survivors(marker, str(workspace))
        connections = _accepted(server)
    after = _snapshot(workspace, workspace / "out")
    changed = sorted(path for path in set(before) | set(after) if before.get(path) != after.get(path))
    results_text = results_path.read_text(encoding="utf-8") if results_path.exists() else "{}"
    return Outcome(finished.returncode, finished.stderr, json.loads(results_text), results_text, seconds,
                   changed, survivors, connections)
