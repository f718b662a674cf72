"""Executors started as fresh interpreters (:class:`grader.sandbox.judge.spawner.Spawner`), the transport
of systems where no zygote can fork them (macOS, Windows), run here on Linux with ``GRADER_EXECUTOR=spawn``.

The sandbox's own tests that depend on how an executor is started and talked to (replies, output capture,
timeouts, crashes, forged replies, leftovers, early launch) run again with it, the same assertions; then a
whole submission grades to the same points either way, and a self-check runs on a Python that has no
``os.fork`` and no UNIX packet sockets.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

import test_sandbox as sandbox_tests
from grader.grade import GradeOptions, grade
from grader.sandbox.executor.spawned import STARTED
from grader.sandbox.judge import launcher, pipes
from grader.sandbox.judge.client import Sandbox
from grader.sandbox.judge.spawner import Spawner

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", autouse=True)
def spawning() -> Iterator[None]:
    """Every Sandbox of this module gets its executors from a Spawner."""
    patch = pytest.MonkeyPatch()
    patch.setenv(launcher.TRANSPORT_ENV, "spawn")
    patch.setattr(launcher, "_shared", None)
    try:
        yield
    finally:
        spawner = launcher._shared
        patch.undo()
        if spawner is not None:
            spawner.close()


sb = sandbox_tests.sb
test_probes_return_plain_data_and_tensors_as_numpy = sandbox_tests.test_probes_return_plain_data_and_tensors_as_numpy
test_student_exception_shows_only_student_frames = sandbox_tests.test_student_exception_shows_only_student_frames
test_printed_frames_do_not_forge_replies_and_output_is_captured_and_capped = (
    sandbox_tests.test_printed_frames_do_not_forge_replies_and_output_is_captured_and_capped)
test_printing_more_than_the_flood_limit_fails_the_request = (
    sandbox_tests.test_printing_more_than_the_flood_limit_fails_the_request)
test_judge_environment_is_not_readable = sandbox_tests.test_judge_environment_is_not_readable
test_reference_checks_and_grader_are_unreadable = sandbox_tests.test_reference_checks_and_grader_are_unreadable
test_timeout_in_a_probe_restarts_and_reloads = sandbox_tests.test_timeout_in_a_probe_restarts_and_reloads
test_exits_and_signals_end_as_crash_failures_and_the_sandbox_recovers = (
    sandbox_tests.test_exits_and_signals_end_as_crash_failures_and_the_sandbox_recovers)
test_a_reply_written_on_a_guessed_descriptor_is_refused_not_believed = (
    sandbox_tests.test_a_reply_written_on_a_guessed_descriptor_is_refused_not_believed)
test_leftover_process_and_thread_are_reported_and_die_with_the_worker = (
    sandbox_tests.test_leftover_process_and_thread_are_reported_and_die_with_the_worker)
test_an_early_launched_worker_is_used_by_start_and_killed_by_close = (
    sandbox_tests.test_an_early_launched_worker_is_used_by_start_and_killed_by_close)


def test_the_spawner_is_used_and_says_so(sb: Sandbox) -> None:
    assert isinstance(launcher.shared(), Spawner)
    assert sb.limits_applied[0] == STARTED
    assert sb._proc is not None and isinstance(sb._proc.zygote, Spawner)


def test_a_spawned_executor_sees_only_the_executor_environment(sb: Sandbox) -> None:
    seen = sandbox_tests.result_of(sb, "import os\nraise RuntimeError('RESULT:' + ','.join(sorted(os.environ)))\n")
    assert "PYTHONPATH" not in seen.split(",") and "HOME" in seen.split(","), seen


def test_close_kills_and_reaps_every_executor_left() -> None:
    spawner = Spawner()
    workdir = Path(os.environ.get("TMPDIR", "/tmp"))
    spawned = spawner.spawn(str(workdir), Sandbox(()).limits.to_plain())
    for fd in (spawned.request_fd, spawned.reply_fd, spawned.stdout_fd, spawned.stderr_fd):
        os.close(fd)
    spawner.close()
    with pytest.raises(ProcessLookupError):
        os.kill(spawned.pid, 0)


def test_wait_readable_times_out_then_sees_data_and_end_of_file() -> None:
    read, write = os.pipe()
    try:
        started = time.monotonic()
        assert not pipes.wait_readable(read, 0.05)
        assert time.monotonic() - started >= 0.04
        os.write(write, b"x")
        assert pipes.wait_readable(read, 1.0) and os.read(read, 1) == b"x"
        os.close(write)
        write = -1
        assert pipes.wait_readable(read, 1.0) and os.read(read, 1) == b""
    finally:
        os.close(read)
        if write >= 0:
            os.close(write)


def _points(path: Path) -> list[tuple[str, str, float, str]]:
    result = grade(path, GradeOptions())
    return [(item.name, check.name, check.points, check.outcome) for item in result.items for check in item.checks]


def test_a_submission_gets_the_same_points_from_spawned_executors(monkeypatch: pytest.MonkeyPatch) -> None:
    submission = REPO / "submissions" / "mnist_logreg_cnn_seed_student.ipynb"
    spawned = _points(submission)
    monkeypatch.delenv(launcher.TRANSPORT_ENV)
    monkeypatch.setattr(launcher, "_shared", None)
    forked = _points(submission)
    assert spawned == forked
    assert any(outcome == "failed" for *_, outcome in spawned) and any(o == "passed" for *_, o in spawned)


def test_switched_off_features_reach_a_spawned_executor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_SANDBOX_WITHOUT", "namespaces,landlock,seccomp")
    with Sandbox(sandbox_tests.STATEMENTS[:1], sandbox_tests.LIMITS) as sandbox:
        missing = " ".join(sandbox.limits_not_applied)
    assert "namespaces: not available (switched off" in missing and "Landlock is not available" in missing


#: The judge's Python (a ``sitecustomize``): no os.fork, no UNIX packet sockets, no process groups, no
#: ``resource``, as on Windows.  (Popen itself needs os.WNOHANG on POSIX, so the judge keeps it.)
_JUDGE_WITHOUT = """import os, socket, sys
sys.modules["resource"] = None
for name in ("fork", "forkpty", "killpg"):
    if hasattr(os, name):
        delattr(os, name)
if hasattr(socket, "SOCK_SEQPACKET"):
    del socket.SOCK_SEQPACKET
"""

#: The judge, its executors started with the Windows-like ``sitecustomize`` on their path.
_JUDGE = """import sys
from grader.sandbox.judge import spawner
starting_environment = spawner.starting_environment
def with_executor_shim(workdir):
    environment = starting_environment(workdir)
    environment["PYTHONPATH"] = sys.argv[1] + ":" + environment["PYTHONPATH"]
    return environment
spawner.starting_environment = with_executor_shim
from grader.cli import main
sys.exit(main(["check", sys.argv[2]]))
"""


def test_self_check_runs_where_neither_judge_nor_executor_has_what_linux_has(tmp_path: Path) -> None:
    """End to end on a simulated foreign system: the judge without fork, packet sockets, process groups and
    rlimits; its executors also without a C library, /proc, geteuid, WNOHANG, SIGXFSZ and libseccomp
    (test_portable_executor.WINDOWS_LIKE).  Every public check of the ResNet solution still passes and
    each limit that could not apply is listed."""
    from test_portable_executor import WINDOWS_LIKE

    judge_shim, executor_shim = tmp_path / "judge", tmp_path / "executor"
    for folder, source in ((judge_shim, _JUDGE_WITHOUT), (executor_shim, WINDOWS_LIKE)):
        folder.mkdir()
        (folder / "sitecustomize.py").write_text(source)
    environment = {**os.environ, "PYTHONPATH": f"{judge_shim}{os.pathsep}{REPO}"}
    environment.pop(launcher.TRANSPORT_ENV, None)
    environment.pop("GRADER_SANDBOX_WITHOUT", None)
    probe = subprocess.run([sys.executable, "-c", "import os, socket; print(hasattr(os, 'fork'), "
                            "hasattr(socket, 'SOCK_SEQPACKET'))"], env=environment, capture_output=True, text=True)
    assert probe.stdout.split() == ["False", "False"], probe
    done = subprocess.run([sys.executable, "-c", _JUDGE, str(executor_shim),
                           str(REPO / "assignments" / "resnet_cifar10" / "solution.ipynb")],
                          env=environment, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = " ".join(done.stdout.split())
    assert "public checks: 15/15 passed" in out, done.stdout
    for note in ("namespaces: not available on this system", "file size limit: not available on this system "
                 "(no `resource` module, Windows)", "Landlock is not available on this system (Linux only)",
                 "system-call filter (seccomp): not available", "processes left running by graded code: not seen"):
        assert note in out, (note, done.stdout)
