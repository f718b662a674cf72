"""The sandbox on its own: what comes back from the worker, and what student code cannot do.

Every test talks to a real worker through :class:`grader.sandbox.judge.client.Sandbox`
with hand-made statements (no notebook, no extraction), and asserts the outcome
the judge sees: the value, or the kind and words of the Failure.  A limit that
this machine cannot apply is reported as a skip with the sandbox's own reason,
never as a silent pass.

Student code reports what it observed by raising ``RuntimeError('RESULT:…')``:
the exception summary is the one channel a ``load`` request has back.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from grader.extract import Statement
from grader.integrity import check_statements
from grader.sandbox.judge.client import Failure, Reply, Sandbox
from grader.sandbox.executor import landlock
from grader.sandbox.common.limits import Limits
from grader.sandbox.executor.limits import readable_without

pytestmark = pytest.mark.slow  # every test here starts worker processes

REPO = Path(__file__).resolve().parents[1]
LIMITS = Limits(request_timeout_s=5, load_timeout_s=5)

STATEMENTS = (
    Statement(1, 1, "import torch\nimport torch.nn as nn\n", ("torch", "nn")),
    Statement(2, 1, "class Double(nn.Module):\n"
                    "    def forward(self, x):\n"
                    "        return 2 * x\n", ("Double",)),
    Statement(3, 1, "def boom(v):\n"
                    "    return helper(v)\n"
                    "\n"
                    "def helper(v):\n"
                    "    return 1 / 0\n", ("boom", "helper")),
    Statement(4, 2, "class Bad(nn.Module):\n"
                    "    def forward(self, x):\n"
                    "        return boom(x)\n", ("Bad",)),
    Statement(5, 1, "def cheat():\n"
                    "    torch.allclose = lambda *args, **kwargs: True\n"
                    "\n"
                    "class Tamper(nn.Module):\n"
                    "    def forward(self, x):\n"
                    "        cheat()\n"
                    "        return x\n", ("cheat", "Tamper")),
)


def double_call(value: float = 1.5) -> dict:
    return {"target": {"name": "Double", "args": []},
            "calls": [{"input": np.full((2, 3), value, dtype=np.float32), "mode": "eval", "seed": 0}]}


def run(sb: Sandbox, source: str, **kwargs: object) -> Reply:
    """Run ``source`` in the worker as an extra top-level statement of cell 90."""
    return sb.request("load", {"cell": 90, "line": 1, "source": source}, **kwargs)  # type: ignore[arg-type]


def result_of(sb: Sandbox, source: str) -> str:
    """What the student code reported with ``raise RuntimeError('RESULT:' + text)``."""
    reply = run(sb, source)
    assert reply.failure is not None, "the statement was expected to report through an exception"
    assert reply.failure.kind == "exception", reply.failure
    assert "RESULT:" in reply.failure.summary, reply.failure
    return reply.failure.summary.split("RESULT:", 1)[1]


def assert_usable(sb: Sandbox) -> None:
    """The worker still answers: a probe on a student class gives the right tensor."""
    reply = sb.request("exercise", double_call(2.0))
    assert reply.ok, reply.failure
    np.testing.assert_array_equal(reply.value["calls"][0]["output"]["data"], np.full((2, 3), 4.0, np.float32))


def require(sb: Sandbox, words: tuple[str, ...], what: str) -> None:
    """Skip, with the sandbox's own reason, unless a limit note containing one of ``words`` holds."""
    if not any(word in note for note in sb.limits_applied for word in words):
        reasons = "; ".join(sb.limits_not_applied) or "no reason reported"
        pytest.skip(f"{what} is not applied on this machine: {reasons}")


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    """One worker shared by the tests that leave it alive; each test checks it still works."""
    sandbox = Sandbox(STATEMENTS, LIMITS)
    sandbox.start()
    assert sandbox.load_failures == {}
    try:
        yield sandbox
    finally:
        sandbox.close()


# -- values and student errors -------------------------------------------------------

def test_probes_return_plain_data_and_tensors_as_numpy(sb: Sandbox) -> None:
    described = sb.request("describe", {"names": ["Double", "boom", "nope"]})
    assert described.ok, described.failure
    double = described.value["Double"]
    assert (double["exists"], double["type"], double["kind"], double["is_module_class"]) == (True, "type", "class", True)
    assert isinstance(double["signature"], str)
    assert described.value["boom"]["kind"] == "function"
    assert described.value["boom"]["signature"] == "(v)"
    assert described.value["nope"] == {"exists": False}

    reply = sb.request("exercise", double_call(1.5))
    assert reply.ok, reply.failure
    [call] = reply.value["calls"]
    output = call["output"]
    assert output["is_tensor"] and output["shape"] == [2, 3] and output["dtype"] == "float32"
    assert isinstance(output["data"], np.ndarray)
    np.testing.assert_array_equal(output["data"], np.full((2, 3), 3.0, np.float32))
    assert call["input_changed"] is False
    assert "torch.Tensor.mul" in call["torch_functions"]


def test_student_exception_shows_only_student_frames(sb: Sandbox) -> None:
    reply = sb.request("exercise", {"target": {"name": "Bad", "args": []},
                                    "calls": [{"input": np.ones(3, np.float32)}]})
    failure = reply.failure
    assert failure is not None and failure.kind == "exception"
    assert failure.summary == "ZeroDivisionError: division by zero"
    assert failure.where == "cell 3, line 5"
    lines = failure.traceback.splitlines()
    assert lines[0] == "Traceback (your code, most recent call last):"
    frames = [line.strip() for line in lines if line.startswith("  cell ")]
    assert frames == ["cell 4, line 4, in forward", "cell 3, line 2, in boom", "cell 3, line 5, in helper"]
    assert "return boom(x)" in failure.traceback  # the student's own source lines
    for grader_trace in ("grader/", "probes.py", "student.py", "worker.py", "torch/nn/modules"):
        assert grader_trace not in failure.traceback
    assert lines[-1] == "ZeroDivisionError: division by zero"


def test_exception_at_load_names_the_statement_line(sb: Sandbox) -> None:
    reply = sb.request("load", {"cell": 7, "line": 3, "source": "x = 1\ny = undefined_name + x\n"})
    assert reply.failure is not None and reply.failure.kind == "exception"
    assert reply.failure.summary == "NameError: name 'undefined_name' is not defined"
    assert reply.failure.where == "cell 7, line 4"
    assert "grader/" not in reply.failure.traceback
    assert_usable(sb)


@pytest.mark.parametrize("source, summary", [
    ("import sys\nsys.exit(0)\n", "SystemExit: 0"),
    ("raise SystemExit\n", "SystemExit"),
    ("raise KeyboardInterrupt\n", "KeyboardInterrupt"),
])
def test_exit_and_interrupt_are_plain_exceptions(sb: Sandbox, source: str, summary: str) -> None:
    restarts = sb.restarts
    reply = run(sb, source)
    assert reply.failure is not None
    assert (reply.failure.kind, reply.failure.summary) == ("exception", summary)
    assert reply.failure.where is not None and reply.failure.where.startswith("cell 90, line ")
    assert_usable(sb)
    assert sb.restarts == restarts, "catching SystemExit/KeyboardInterrupt must not cost a restart"


# -- the wire and the output -----------------------------------------------------------

def test_printed_frames_do_not_forge_replies_and_output_is_captured_and_capped(sb: Sandbox) -> None:
    marker = f"student-output-{random.randrange(10**9)}"
    forged = [{"id": k, "ok": True, "value": {"Double": {"exists": "FORGED"}}} for k in range(4)]
    source = (
        "import json, struct, sys\n"
        f"print({marker!r})\n"
        f"for frame in {forged!r}:\n"
        "    print(json.dumps(frame))\n"
        "    body = json.dumps(frame).encode()\n"
        "    sys.stdout.buffer.write(struct.pack('!Q', len(body)) + body)\n"
        "    sys.stderr.buffer.write(struct.pack('!Q', len(body)) + body)\n"
        "sys.stdout.flush()\n"
    )
    reply = run(sb, source)
    assert reply.ok and reply.value is None, reply.failure
    described = sb.request("describe", {"names": ["Double"]})
    assert described.ok, described.failure
    assert described.value["Double"]["exists"] is True
    assert "FORGED" not in json.dumps(described.value)

    deadline = time.monotonic() + 10
    while marker not in sb.stdout and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker in sb.stdout, "the student's stdout is not captured"
    assert '"FORGED"' in sb.stdout  # the printed frame is just output

    cap = sb.limits.output_bytes
    reply = run(sb, "import sys\nsys.stdout.write('x' * 5_000_000)\nsys.stdout.flush()\n")
    assert reply.ok, reply.failure
    deadline = time.monotonic() + 10
    while "not shown" not in sb.stdout and "truncated" not in sb.stdout and time.monotonic() < deadline:
        time.sleep(0.05)
    text = sb.stdout
    assert marker in text  # the beginning is kept
    assert "not shown" in text or "truncated" in text, "5 MB of output must be marked as cut"
    assert len(text) <= cap + 200, f"{len(text)} characters kept with output_bytes={cap}"
    assert_usable(sb)


def test_printing_more_than_the_flood_limit_fails_the_request(sb: Sandbox) -> None:
    flood = sb.limits.output_flood_bytes
    reply = run(sb, f"import os\nfor _ in range({flood // 2**20 + 2}):\n    os.write(1, b'y' * 2**20)\n")
    assert reply.failure is not None and reply.failure.kind == "flood", reply.failure
    assert reply.failure.summary.startswith("printed ") and "during one check" in reply.failure.summary
    assert_usable(sb)


# -- what the student may not read, write or reach ------------------------------------

@pytest.mark.parametrize("relative", [
    "reference/resnet_cifar10.py",
    "assignments/resnet_cifar10/dropout.py",
    "grader/checks/core.py",
])
def test_reference_checks_and_grader_are_unreadable(sb: Sandbox, relative: str) -> None:
    require(sb, ("Landlock",), "filesystem isolation (Landlock)")
    path = REPO / relative
    assert path.is_file()
    reply = run(sb, f"open({str(path)!r}).read()\n")
    assert reply.failure is not None and reply.failure.kind == "exception"
    assert reply.failure.summary.startswith("PermissionError"), reply.failure.summary
    assert_usable(sb)


def _installed_layout(root: Path) -> tuple[Path, Path]:
    """A venv whose site-packages holds the grader (as ``pip install .`` puts it) beside a library."""
    site = root / "venv" / "lib" / "python3.11" / "site-packages"
    for package in ("grader", "reference", "somelib"):
        (site / package).mkdir(parents=True)
        (site / package / "__init__.py").write_text(f"NAME = {package!r}\n")
    (root / "venv" / "bin").mkdir()
    return root / "venv", site


def test_an_installed_grader_is_carved_out_of_the_readable_paths(tmp_path: Path) -> None:
    venv, site = _installed_layout(tmp_path)
    readable, list_only = readable_without([str(venv), "/usr"], [str(site / "grader"), str(site / "reference")])
    assert str(site / "somelib") in readable and str(venv / "bin") in readable and "/usr" in readable
    assert not [path for path in readable if "/grader" in path or "/reference" in path]
    assert list_only == [str(venv), str(venv / "lib"), str(venv / "lib" / "python3.11"), str(site)]


def test_an_installed_grader_cannot_be_read_but_its_neighbours_import(tmp_path: Path) -> None:
    if landlock.abi_version() < 1:
        pytest.skip("Landlock is not available in this kernel: nothing to carve out")
    venv, site = _installed_layout(tmp_path)
    script = f"""
import os, sys
from grader.sandbox.executor import landlock
from grader.sandbox.executor.limits import readable_without
readable, list_only = readable_without([{str(venv)!r}, sys.prefix, sys.base_prefix, '/usr', '/lib', '/lib64'],
                                       [{str(site / 'grader')!r}])
landlock.restrict(readable, [], list_only)
sys.path.insert(0, {str(site)!r})
import somelib
try:
    open({str(site / 'grader' / '__init__.py')!r}).read()
    hidden = 'read'
except PermissionError:
    hidden = 'denied'
print(somelib.NAME, hidden, sorted(os.listdir({str(site)!r})))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == "somelib denied ['grader', 'reference', 'somelib']"


def test_reference_is_unreadable_through_the_judges_proc_entry(sb: Sandbox) -> None:
    require(sb, ("Landlock",), "filesystem isolation (Landlock)")
    via_proc = f"/proc/{os.getpid()}/root{REPO}/reference/resnet_cifar10.py"
    reply = run(sb, f"open({via_proc!r}).read()\n")
    assert reply.failure is not None
    # refused twice over: the audit hook (RuntimeError) and, behind it, Landlock (PermissionError)
    assert reply.failure.summary.startswith(("PermissionError", "FileNotFoundError", "RuntimeError: opening")), \
        reply.failure.summary


def test_probe_source_is_not_readable_inside(sb: Sandbox) -> None:
    require(sb, ("Landlock",), "filesystem isolation (Landlock)")
    revealed = result_of(sb, (
        "import inspect, linecache, sys\n"
        "try:\n"
        "    text = inspect.getsource(sys.modules['grader.sandbox.probes.core'])\n"
        "except (OSError, TypeError):\n"
        "    text = ''\n"
        "cached = sorted(k for k, v in linecache.cache.items() if 'grader' in k and len(v) > 1 and v[2])\n"
        "raise RuntimeError('RESULT:' + repr((len(text), cached)))\n"))
    assert revealed == "(0, [])"


def test_judge_environment_is_not_readable(sb: Sandbox) -> None:
    require(sb, ("Landlock",), "filesystem isolation (Landlock)")
    reply = run(sb, f"size = len(open('/proc/{os.getpid()}/environ', 'rb').read())\n")  # the size, never the text
    assert reply.failure is not None, "student code read the judge's environment"
    assert reply.failure.summary.startswith(("PermissionError", "FileNotFoundError", "ProcessLookupError",
                                             "RuntimeError: opening"))


def test_writes_only_inside_the_working_directory(sb: Sandbox) -> None:
    require(sb, ("Landlock",), "filesystem isolation (Landlock)")
    tag = f"evil_{random.randrange(10**9)}"
    outside = [Path("/tmp") / tag, REPO / tag, REPO / "reference" / tag]
    try:
        for path in outside:
            reply = run(sb, f"open({str(path)!r}, 'w').write('pwned')\n")
            assert reply.failure is not None, f"student code wrote {path}"
            assert reply.failure.summary.startswith("PermissionError"), reply.failure.summary
            assert not path.exists()
    finally:
        for path in outside:
            path.unlink(missing_ok=True)
    inside = result_of(sb, (
        "import os\n"
        "with open('inside.txt', 'w') as f:\n"
        "    f.write('kept')\n"
        "raise RuntimeError('RESULT:' + open('inside.txt').read() + ':' + str(os.path.isfile(os.path.join(os.getcwd(), 'inside.txt'))))\n"))
    assert inside == "kept:True"


def test_no_tcp_connection_to_the_host(sb: Sandbox) -> None:
    require(sb, ("network namespace", "no TCP connect"), "network isolation")
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.setblocking(False)
        port = server.getsockname()[1]
        outcome = result_of(sb, (
            "import socket\n"
            "try:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=2).close()\n"
            "    outcome = 'connected'\n"
            "except OSError as exc:\n"
            "    outcome = 'refused ' + type(exc).__name__\n"
            "raise RuntimeError('RESULT:' + outcome)\n"))
        assert outcome.startswith("refused"), outcome
        with pytest.raises(BlockingIOError):
            server.accept()
    assert_usable(sb)


def test_huge_allocation_fails_with_a_memory_message(sb: Sandbox) -> None:
    require(sb, ("memory",), "the memory limit")
    restarts = sb.restarts
    reply = run(sb, "import torch\nHUGE = torch.empty(50 * 1024**3 // 4)\n")
    assert reply.failure is not None and reply.failure.kind == "exception"
    assert "memory limit" in reply.failure.summary, reply.failure.summary
    assert_usable(sb)
    assert sb.restarts == restarts


def test_tampering_is_reported_and_undone(sb: Sandbox) -> None:
    reply = sb.request("exercise", {"target": {"name": "Tamper", "args": []},
                                    "calls": [{"input": np.ones(3, np.float32)}]})
    assert reply.failure is not None and reply.failure.kind == "tampered", reply.failure
    assert "torch.allclose" in reply.failure.summary
    restored = result_of(sb, (
        "import torch\n"
        "raise RuntimeError('RESULT:' + repr((torch.allclose(torch.zeros(2), torch.ones(2)), "
        "torch.allclose.__name__)))\n"))
    assert restored == "(False, 'allclose')", restored
    assert_usable(sb)


# -- hangs, crashes and clean-up: each test owns its worker ------------------------------

def test_timeout_at_load_restarts_without_the_statement() -> None:
    statements = STATEMENTS[:2] + (
        Statement(6, 1, "while True:\n    pass\n", ()),
        Statement(7, 1, "AFTER = 41 + 1\n", ("AFTER",)),
    )
    limits = Limits(request_timeout_s=5, load_timeout_s=1)
    sandbox = Sandbox(statements, limits)
    started = time.monotonic()
    try:
        sandbox.start()
        elapsed = time.monotonic() - started
        assert elapsed < limits.load_timeout_s + 15
        assert set(sandbox.load_failures) == {2}
        failure = sandbox.load_failures[2]
        assert failure.kind == "timeout"
        assert "timed out after 1 s" in failure.summary
        assert sandbox.restarts == 1
        described = sandbox.request("describe", {"names": ["AFTER", "Double"]})
        assert described.ok, described.failure
        assert described.value["AFTER"]["exists"] and described.value["Double"]["exists"]
        assert_usable(sandbox)
        assert sandbox.restarts == 1
    finally:
        sandbox.close()


def test_timeout_in_a_probe_restarts_and_reloads() -> None:
    statements = STATEMENTS[:2] + (Statement(6, 1, "class Spin(nn.Module):\n"
                                                   "    def forward(self, x):\n"
                                                   "        while True:\n"
                                                   "            pass\n", ("Spin",)),)
    with Sandbox(statements, Limits(request_timeout_s=1, load_timeout_s=5)) as sandbox:
        started = time.monotonic()
        reply = sandbox.request("exercise", {"target": {"name": "Spin", "args": []},
                                             "calls": [{"input": np.ones(2, np.float32)}]})
        assert time.monotonic() - started < 1 + 15
        assert reply.failure is not None and reply.failure.kind == "timeout"
        assert "timed out after 1 s" in reply.failure.summary
        assert_usable(sandbox)  # reloads every statement in a fresh worker
        assert sandbox.restarts == 1 and sandbox.load_failures == {}


def _crash_ok(failure: Failure | None, *allowed: str) -> None:
    assert failure is not None
    assert failure.kind in allowed, failure
    if failure.kind == "crash":
        assert "the worker process" in failure.summary
        assert "while running your code" in failure.summary


def test_exits_and_signals_end_as_crash_failures_and_the_sandbox_recovers() -> None:
    with Sandbox(STATEMENTS[:2], LIMITS) as sandbox:
        reply = run(sandbox, "import os\nos._exit(0)\n")
        _crash_ok(reply.failure, "crash")
        assert reply.failure is not None and "exited with code 0" in reply.failure.summary
        assert_usable(sandbox)
        assert sandbox.restarts == 1

        # Inside a PID namespace the worker is PID 1, which ignores SIGKILL from itself.
        reply = run(sandbox, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
        if not reply.ok:
            _crash_ok(reply.failure, "crash")
            assert "SIGKILL" in reply.failure.summary
        assert_usable(sandbox)

        reply = run(sandbox, "import os\nos.abort()\n")
        _crash_ok(reply.failure, "crash", "exception")
        if reply.failure.kind == "crash":
            assert "killed by SIG" in reply.failure.summary
        assert_usable(sandbox)
        assert sandbox.load_failures == {}, "failures of extra requests must not mark statements"


def test_a_reply_written_on_a_guessed_descriptor_is_refused_not_believed() -> None:
    """No frames needed: the descriptors have small numbers, and a well-formed reply written on each of them
    must still not pass for the probe's result, because it cannot carry the request's unpredictable id."""
    forger = Statement(6, 1, (
        "import json, os, struct\n"
        "class Forger(nn.Module):\n"
        "    def forward(self, x):\n"
        "        for guess in range(1, 6):\n"
        "            body = json.dumps({'id': guess, 'ok': True, 'value': {'calls': [{'forged': True}]}}).encode()\n"
        "            for fd in range(3, 64):\n"
        "                try:\n"
        "                    os.write(fd, struct.pack('!Q', len(body)) + body)\n"
        "                except OSError:\n"
        "                    pass\n"
        "        return x\n"), ("json", "os", "struct", "Forger"))
    with Sandbox(STATEMENTS[:2] + (forger,), LIMITS) as sandbox:
        reply = sandbox.request("exercise", {"target": {"name": "Forger", "args": []},
                                             "calls": [{"input": np.ones(2, np.float32)}]})
        assert not reply.ok and reply.failure is not None, "a forged reply was accepted"
        assert reply.failure.kind == "protocol" and "not its own" in reply.failure.summary, reply.failure
        assert_usable(sandbox)


def test_writing_a_frame_to_the_reply_descriptor_does_not_forge_a_probe_result() -> None:
    forger = Statement(6, 1, (
        "import json, os, struct, sys\n"
        "class Forger(nn.Module):\n"
        "    def forward(self, x):\n"
        "        frame = sys._getframe()\n"
        "        while not ('reply_fd' in frame.f_locals and 'request' in frame.f_locals):\n"
        "            frame = frame.f_back\n"
        "        fd = frame.f_locals['reply_fd']\n"
        "        body = json.dumps({'id': frame.f_locals['request']['id'], 'ok': True,\n"
        "                           'value': {'calls': [{'forged': True}]}}).encode()\n"
        "        os.write(fd, struct.pack('!Q', len(body)) + body)\n"
        "        return x\n"), ("json", "os", "struct", "sys", "Forger"))
    # The judge refuses this source before anything runs (the integrity policy)...
    rules = {v.rule for v in check_statements([(forger.cell, forger.line, forger.source)])}
    assert "frame-access" in rules and "sys-access" in rules, rules
    # ...and should a variant slip past it, the executor refuses to hand out its frames at run time.
    with Sandbox(STATEMENTS[:1] + (forger,), LIMITS) as sandbox:
        reply = sandbox.request("exercise", {"target": {"name": "Forger", "args": []},
                                             "calls": [{"input": np.ones(2, np.float32)}]})
        assert not (reply.ok and reply.value == {"calls": [{"forged": True}]}), "a forged reply was accepted"
        assert reply.failure is not None and "sys._getframe is not available to graded code" in reply.failure.summary


# -- nothing survives the worker ---------------------------------------------------------

def _processes_with(text: str) -> list[int]:
    """PIDs whose command line contains ``text`` (a /proc scan, no psutil)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(int(entry.name))
    return found


def _wait_until_gone(text: str, seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := _processes_with(text)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def _spawn_and_replace(new_session: bool) -> None:
    """A statement that leaves a process and a busy thread running is reported, and the worker it
    ran in is replaced at once: both die with it, and its directory is removed."""
    marker = f"1000.{random.randrange(10**8, 10**9)}"  # a valid, unique `sleep` argument
    source = (
        "import subprocess, threading\n"
        f"CHILD = subprocess.Popen(['sleep', {marker!r}], start_new_session={new_session})\n"
        "def _spin():\n"
        "    while True:\n"
        "        pass\n"
        "SPINNER = threading.Thread(target=_spin, daemon=True)\n"
        "SPINNER.start()\n")
    sandbox = Sandbox(STATEMENTS[:2] + (Statement(6, 1, source, ("CHILD", "SPINNER")),), LIMITS)
    sandbox.launch()
    assert sandbox._launched is not None
    first_workdir = sandbox._launched.workdir
    try:
        sandbox.start()
        failure = sandbox.load_failures.get(2)
        assert failure is not None and failure.kind == "escaped", sandbox.load_failures
        assert "1 thread still running" in failure.summary and "a process still running" in failure.summary
        assert sandbox.restarts == 1
        assert _wait_until_gone(f"sleep {marker}") == [], "a process started by the student survived its worker"
        assert _wait_until_gone(first_workdir) == [], "the replaced worker is still running"
        assert not Path(first_workdir).exists(), "the replaced worker's directory was not removed"
        assert_usable(sandbox)
        assert sandbox._proc is not None
        workdir = sandbox._proc.workdir
    finally:
        sandbox.close()
    assert _wait_until_gone(workdir) == [], "the worker survived close()"
    assert not Path(workdir).exists(), "the worker's directory was not removed"


def test_leftover_process_and_thread_are_reported_and_die_with_the_worker() -> None:
    _spawn_and_replace(new_session=False)


def test_leftover_process_in_its_own_session_dies_with_the_worker() -> None:
    with Sandbox(STATEMENTS[:1], LIMITS) as sandbox:
        applied, missing = sandbox.limits_applied, sandbox.limits_not_applied
    if not any("PID namespace" in note for note in applied):
        pytest.skip("a process that calls setsid() escapes the process-group kill without a PID "
                    f"namespace, which is not applied here: {'; '.join(missing)}")
    _spawn_and_replace(new_session=True)


def test_an_early_launched_worker_is_used_by_start_and_killed_by_close() -> None:
    sandbox = Sandbox(())
    sandbox.launch()
    assert sandbox._launched is not None
    pid = sandbox._launched.pid
    sandbox.statements = (Statement(cell=1, line=1, source="x = 41 + 1", binds=("x",)),)
    sandbox.start()
    assert sandbox.restarts == 0 and sandbox._proc is not None and sandbox._proc.pid == pid
    sandbox.close()
    assert sandbox._proc is None and sandbox._launched is None

    never_started = Sandbox(())
    never_started.launch()
    assert never_started._launched is not None
    pid = never_started._launched.pid
    never_started.close()
    with pytest.raises(ProcessLookupError):  # killed and reaped by the zygote
        os.kill(pid, 0)


def test_the_working_directory_is_a_size_limited_tmpfs_the_host_never_sees(sb: Sandbox) -> None:
    require(sb, ("tmpfs",), "a size-limited working directory (tmpfs in the executor's mount namespace)")
    written = result_of(sb, (
        "import errno, os\n"
        "total = 0\n"
        "try:\n"
        "    for k in range(10):\n"
        "        with open(f'big{k}.bin', 'wb') as f:\n"
        "            for _ in range(60):\n"
        "                f.write(bytes(2**20))\n"
        "                total += 2**20\n"
        "except OSError as exc:\n"
        "    full = exc.errno == errno.ENOSPC\n"
        "else:\n"
        "    full = False\n"
        "for k in range(10):\n"
        "    try:\n"
        "        os.remove(f'big{k}.bin')\n"
        "    except OSError:\n"
        "        pass\n"
        "raise RuntimeError('RESULT:' + repr((full, total // 2**20)))\n"))
    full, mib = eval(written)  # noqa: S307 - our own repr of a tuple
    assert full and mib <= LIMITS.workdir_bytes // 2**20, written
    assert sb._proc is not None and os.listdir(sb._proc.workdir) == [], "the host saw the executor's files"


def test_torch_normalisation_is_seen_at_the_dispatcher_whatever_the_entry_point() -> None:
    """Behind the integrity policy: torch.ops under DisableTorchFunction skips every Python-level spy, but not
    the dispatcher, where the probe's recorder sits."""
    hidden = Statement(6, 1, (
        "class HiddenNorm(nn.Module):\n"
        "    def forward(self, x):\n"
        "        with torch._C.DisableTorchFunction():\n"
        "            return torch.ops.aten.layer_norm(x.transpose(1, -1), (x.shape[1],)).transpose(1, -1)\n"),
        ("HiddenNorm",))
    with Sandbox(STATEMENTS[:1] + (hidden,), LIMITS) as sandbox:
        reply = sandbox.request("exercise", {"target": {"name": "HiddenNorm", "args": []},
                                             "calls": [{"input": np.ones((4, 3, 5), np.float32)}]})
        assert reply.ok, reply.failure
        assert "aten.native_layer_norm" in reply.value["calls"][0]["torch_functions"]
