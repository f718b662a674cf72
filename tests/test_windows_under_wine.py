"""The grader on a real Windows CPython (3.11.9), run under Wine: what no Linux test can show — the
executors spawned with handles passed through ``STARTUPINFO``'s handle list, reply pipes polled with
``PeekNamedPipe``, executors killed with ``TerminateProcess``, and a judge and executors without fork,
``resource``, ``SIGALRM`` or a C library.

Runs only where a rig exists: ``tools/windows-under-wine/build.sh DIR`` (Wine from Debian, Windows wheels
from PyPI), then ``GRADER_WINE_RIG=DIR pytest tests/test_windows_under_wine.py``.  CI has no Wine: skipped
there.  Each test starts several Windows interpreters under Wine: about a minute each.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from attack_catalog import ASSIGNMENT, load_attacks, submission_text
from grader.grade import GradeOptions, grade

REPO = Path(__file__).resolve().parents[1]
RIG = os.environ.get("GRADER_WINE_RIG", "")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not RIG, reason="no Windows rig: build one with "
                                                   "tools/windows-under-wine/build.sh DIR, set GRADER_WINE_RIG=DIR")]


def _windows(path: Path) -> str:
    return "Z:" + str(path).replace("/", "\\")


def _run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """Run the rig's Python (standard streams must be pipes: Wine 8 cannot hand Python a file as one)."""
    return subprocess.run([str(REPO / "tools" / "windows-under-wine" / "python"), RIG, *args], cwd=cwd,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace", timeout=900)


def _points(result: dict) -> dict[tuple[str, str], float]:
    return {(i["name"], c["name"]): c["points"] for i in result["items"] for c in i["checks"]}


def test_the_python_is_windows() -> None:
    done = _run("-c", "import os, sys; print(os.name, sys.platform, hasattr(os, 'fork'))")
    assert done.stdout.split() == ["nt", "win32", "False"], done


def test_self_check_passes_every_public_check_and_lists_what_windows_lacks() -> None:
    done = _run("-m", "grader", "check", "assignments/resnet_cifar10/solution.ipynb")
    assert done.returncode == 0, done.stderr
    out = " ".join(done.stdout.split())
    assert "public checks: 15/15 passed" in out, done.stdout
    for note in ("no `resource` module, Windows", "Landlock is not available on this system (Linux only)",
                 "processes left running by graded code: not seen on this system (Windows)"):
        assert note in out, (note, done.stdout)


def test_a_graded_submission_gets_the_same_points_as_on_linux(tmp_path: Path) -> None:
    submission = REPO / "submissions" / "resnet_cifar10_seed_student.ipynb"
    results = tmp_path / "windows.json"
    done = _run("-m", "grader", "grade", str(submission.relative_to(REPO)), "--json", _windows(results))
    assert done.returncode == 0, done.stderr
    on_windows = json.loads(results.read_text(encoding="utf-8"))
    on_linux = grade(submission, GradeOptions())
    assert _points(on_windows) == {(i.name, c.name): c.points for i in on_linux.items for c in i.checks}


#: Attacks that get past the integrity policy and are contained by the executor transport alone (timeouts, crashes,
#: floods, forged or corrupt replies, closed descriptors): nothing of Linux is involved.
ATTACKS = ("loop_in_forward", "abort", "print_flood", "prints_forged_replies", "closes_standard_descriptors",
           "garbage_on_standard_descriptors", "deep_nested_reply")


@pytest.mark.parametrize("name", ATTACKS)
def test_an_attack_costs_its_item_and_nothing_else(name: str, tmp_path: Path) -> None:
    attack = load_attacks()[name]
    submission = tmp_path / f"{name}.py"
    submission.write_text(submission_text(attack, 9, f"wine-{name}"), encoding="utf-8")
    results = tmp_path / "results.json"
    done = _run("-m", "grader", "grade", _windows(submission), "--assignment", ASSIGNMENT, "--item", attack.item,
                "--item", attack.companion[0], "--timeout", str(attack.timeout_s or 5), "--load-timeout", "5",
                "--json", _windows(results), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    items = {i["name"]: i for i in json.loads(results.read_text(encoding="utf-8"))["items"]}
    got = sum(c["points"] for c in items[attack.item]["checks"])
    most = sum(c["max_points"] for c in items[attack.item]["checks"])
    expected = {"zero": got == 0, "less": got < most, "full": got == most}[attack.score]
    assert expected, (attack.score, got, most, items[attack.item])
    companion = items[attack.companion[0]]["checks"]
    assert sum(c["points"] for c in companion) == sum(c["max_points"] for c in companion), companion


def _processes_with(*needles: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if all(needle in command for needle in needles):
                found.append(int(entry.name))
    return found


def test_a_killed_judge_takes_its_executors_with_it(tmp_path: Path) -> None:
    """The judge's job object kills its executors when the judge dies, even one looping in student code
    (without it the executor ran on, measured)."""
    marker = f"{random.randrange(200, 299)}.{random.randrange(10**5, 10**6)}"  # a timeout no other run uses
    submission = tmp_path / "loop.py"
    submission.write_text("# %%\nimport torch\nimport torch.nn as nn\n\n# %%\nclass Dropout(nn.Module):\n"
                          "    def __init__(self, p):\n        super().__init__()\n        self.p = p\n\n"
                          "    def forward(self, input):\n        while True:\n            pass\n", encoding="utf-8")
    judge = subprocess.Popen([str(REPO / "tools" / "windows-under-wine" / "python"), RIG, "-m", "grader", "grade",
                              "loop.py", "--assignment", "resnet_cifar10", "--item", "Dropout", "--timeout", marker],
                             cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while not (executors := _processes_with("executor.spawned", marker)) and time.monotonic() < deadline:
            time.sleep(1)
        assert executors, "no executor started"
        time.sleep(10)  # it is now looping in forward
        for pid in _processes_with("grader grade", marker):
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while _processes_with("executor.spawned", marker) and time.monotonic() < deadline:
            time.sleep(1)
        left = _processes_with("executor.spawned", marker)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert not left, "an executor outlived its killed judge"
    finally:
        judge.kill()
        judge.communicate()


def test_job_structures_have_the_sizes_windows_expects() -> None:
    """JOBOBJECT_EXTENDED_LIMIT_INFORMATION is 144 bytes and PROCESS_MEMORY_COUNTERS_EX 80 on 64-bit Windows
    (Wine accepts any job memory limit but does not enforce it, so only the layout is checked here)."""
    done = _run("-c", "import ctypes; from grader.sandbox.common import windows_job as job; "
                      "print(ctypes.sizeof(job._ExtendedLimits), ctypes.sizeof(job._MemoryCounters))")
    assert done.stdout.split() == ["144", "80"], done
