"""Judge side of the sandbox: start, talk to, time out and restart one item's executor.

:class:`Sandbox` owns one executor process at a time, forked by the zygote
(:mod:`grader.sandbox.judge.launcher`), holding only the statements one item needs.  Every
request has a deadline; an executor that misses it, dies, or answers with garbage is
killed (its whole process group and PID namespace) and replaced by a fresh one that
reloads the item's statements, skipping those that hung or crashed it.  Each outcome
reaches the checks as a :class:`Reply` value; nothing here raises because of student
code, and every reply is decoded within bounds (:func:`protocol.parse_reply`).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import tempfile
import threading
import time
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

from grader.extract import Statement
from grader.sandbox.common import protocol
from grader.sandbox.common.cgroup import SubmissionCgroup
from grader.sandbox.common.limits import ON_DEMAND_LIBRARIES, Limits
from grader.sandbox.judge import launcher, pipes
from grader.sandbox.judge.launcher import Launcher

FailureKind = Literal["exception", "timeout", "crash", "tampered", "probe", "protocol", "escaped", "flood",
                      "budget"]
STARTUP_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Failure:
    """Why a request did not return a value."""

    kind: FailureKind
    summary: str  #: one line for the student
    traceback: str = ""  #: the student's own frames, when there are any
    where: str | None = None  #: "cell 7, line 12" of the innermost student frame
    out_of_memory: bool = False  #: the student's code reached the memory limit (costly to repeat)


@dataclass(frozen=True)
class Reply:
    value: Any = None
    failure: Failure | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


class _CappedReader(threading.Thread):
    """Drains one output pipe of the worker, keeping only the first ``cap`` bytes."""

    def __init__(self, fd: int, cap: int) -> None:
        super().__init__(daemon=True)
        self.stream, self.cap = open(fd, "rb"), cap
        self.kept = bytearray()
        self.dropped = 0
        self.total = 0  #: every byte read so far, kept or not

    def run(self) -> None:
        while True:
            try:
                chunk = self.stream.read1(65536)
            except (OSError, ValueError):
                return
            if not chunk:
                self.stream.close()
                return
            self.total += len(chunk)
            room = self.cap - len(self.kept)
            self.kept += chunk[:max(room, 0)]
            self.dropped += max(len(chunk) - max(room, 0), 0)

    def text(self) -> str:
        text = self.kept.decode("utf-8", errors="replace")
        if self.dropped:
            text += f"\n… ({self.dropped} more bytes not shown)"
        return text


@dataclass
class _Process:
    pid: int  #: also its process group
    zygote: Launcher  #: what started it, which reaps it
    request_fd: int
    reply_fd: int
    workdir: str
    readers: tuple[_CappedReader, _CappedReader]


@dataclass
class Clock:
    """The submission's grading clock, shared by the executors of all its items."""

    started_at: float | None = None


@dataclass
class Sandbox:
    """A worker holding one submission's statements, restartable at will."""

    statements: tuple[Statement, ...]
    limits: Limits = field(default_factory=Limits)
    load_failures: dict[int, Failure] = field(default_factory=dict)  #: statement index -> why it failed to load
    restarts: int = 0
    limits_applied: tuple[str, ...] = ()
    limits_not_applied: tuple[str, ...] = ()
    clock: Clock = field(default_factory=Clock)  #: shared by every item of the submission
    zygote: Launcher | None = None  #: None: this process's shared zygote (or spawner)
    cgroup: SubmissionCgroup | None = None  #: the submission's, shared by its executors; None: per process
    _oom_kills: int = 0  #: the cgroup's count when the current request started
    _proc: _Process | None = None
    _launched: _Process | None = None  #: started by :meth:`launch`, not yet greeted
    _stdout: list[str] = field(default_factory=list)
    _stderr: list[str] = field(default_factory=list)

    # -- life cycle -------------------------------------------------------
    def launch(self) -> None:
        """Start an executor now and greet it later, in :meth:`start` (its set-up overlaps the judge's work)."""
        if self._launched is None and self._proc is None:
            self._launched = self._fork()

    def start(self) -> None:
        """Start a worker and load every statement that has not failed before."""
        self._spawn()
        for index, statement in enumerate(self.statements):
            if index in self.load_failures:
                continue
            reply = self.request("load", {"cell": statement.cell, "line": statement.line,
                                          "source": statement.source},
                                 timeout=self.limits.load_timeout_s, reload_on_restart=False)
            if not reply.ok:
                assert reply.failure is not None
                self.load_failures[index] = reply.failure
                if self._proc is None:  # the statement killed the worker: start over without it
                    self.restarts += 1
                    return self.start()
        return None

    def close(self) -> None:
        self._kill()
        if self._launched is not None:  # launched but never started
            self._proc, self._launched = self._launched, None
            self._kill()

    def __enter__(self) -> "Sandbox":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def stdout(self) -> str:
        return self._collected(self._stdout, 0)

    @property
    def stderr(self) -> str:
        return self._collected(self._stderr, 1)

    def _collected(self, finished: list[str], which: int) -> str:
        parts = list(finished)
        if self._proc is not None:
            parts.append(self._proc.readers[which].text())
        text = "".join(p for p in parts if p)
        cap = self.limits.output_bytes
        return text if len(text) <= cap else text[:cap] + "\n… (output truncated)"

    # -- requests -----------------------------------------------------------
    def request(self, op: str, args: dict[str, Any], *, timeout: float | None = None,
                reload_on_restart: bool = True) -> Reply:
        """Send one request; return its value or a Failure. Restarts the worker when needed."""
        left = self.budget_left()
        if left <= 0:
            return Reply(failure=self._budget_failure())
        if self._proc is None:
            self.restarts += 1
            if reload_on_restart:
                self.start()
            else:
                self._spawn()
        assert self._proc is not None
        timeout = self.limits.request_timeout_s if timeout is None else timeout
        budget_bound = timeout > left
        timeout = min(timeout, max(left, 0.1))
        # An id no code in the executor can predict: a reply written by the student's code (on a
        # descriptor it guessed) cannot carry it, so it is refused as corrupted.
        request_id = secrets.token_hex(16)
        printed_before = self._printed()
        self._oom_kills = self.cgroup.oom_kills() if self.cgroup is not None else 0
        try:
            protocol.write_message(self._proc.request_fd, {"id": request_id, "op": op,
                                                           "args": protocol.encode_tensors(args)})
            message = self._read_reply(timeout)
        except TimeoutError:
            self._kill()
            if budget_bound:
                return Reply(failure=self._budget_failure())
            return Reply(failure=Failure("timeout", f"timed out after {timeout:g} s "
                                         "(an infinite loop, or far too much work?)"))
        except (EOFError, BrokenPipeError, OSError):
            return Reply(failure=self._crash_failure())
        except protocol.ProtocolError as exc:
            self._kill()
            return Reply(failure=Failure("protocol", f"the worker's reply was corrupted ({exc}); "
                                         "did your code write to the grader's file descriptors?"))
        failure = message.get("failure") or {}
        if message.get("id") != request_id or not isinstance(failure, dict):
            self._kill()
            return Reply(failure=Failure("protocol", "the worker's reply was not its own (wrong request id, or "
                                         "malformed); did your code write to the grader's file descriptors?"))
        printed = self._printed() - printed_before
        if printed > self.limits.output_flood_bytes:
            self._kill()
            return Reply(failure=Failure("flood", f"printed {_size(printed)} during one check; at most "
                                         f"{_size(self.limits.output_flood_bytes)} is allowed "
                                         "(remove the prints from the graded code)"))
        if failure.get("restart"):
            self._kill()  # whatever the code left running dies with the worker
        if message.get("ok"):
            try:
                return Reply(value=protocol.decode_tensors(message.get("value")))
            except protocol.ProtocolError as exc:
                return Reply(failure=Failure("protocol", f"unreadable result: {exc}"))
        kind = failure.get("kind")
        return Reply(failure=Failure(kind=kind if kind in typing.get_args(FailureKind) else "exception",
                                     summary=str(failure.get("summary", "failed"))[:2000],
                                     traceback=str(failure.get("traceback", ""))[:8000],
                                     where=str(failure["where"])[:200] if failure.get("where") else None,
                                     out_of_memory=failure.get("out_of_memory") is True))

    def budget_left(self) -> float:
        """Seconds of the submission's grading time still unused (see Limits.submission_timeout_s)."""
        if self.clock.started_at is None:
            self.clock.started_at = time.monotonic()
        return self.limits.submission_timeout_s - (time.monotonic() - self.clock.started_at)

    def _budget_failure(self) -> Failure:
        return Failure("budget", f"not run: the submission used up its {self.limits.submission_timeout_s:g} s "
                                 "of grading time (hangs or restarts in earlier checks)")

    def _printed(self) -> int:
        """Bytes the student code has written to stdout and stderr so far."""
        return 0 if self._proc is None else sum(reader.total for reader in self._proc.readers)

    def _read_reply(self, timeout: float) -> dict[str, Any]:
        assert self._proc is not None
        deadline = time.monotonic() + timeout
        fd = self._proc.reply_fd
        header = self._read_before(fd, protocol.HEADER.size, deadline)
        (size,) = protocol.HEADER.unpack(header)
        if size > protocol.MAX_REPLY_BYTES:
            raise protocol.ProtocolError(f"a reply of {size} bytes (at most {protocol.MAX_REPLY_BYTES} are read)")
        return protocol.parse_reply(self._read_before(fd, size, deadline))

    @staticmethod
    def _read_before(fd: int, count: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        while count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            if not pipes.wait_readable(fd, remaining):
                raise TimeoutError
            chunk = os.read(fd, min(count, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            count -= len(chunk)
        return b"".join(chunks)

    def _crash_failure(self) -> Failure:
        code = self._kill(grace_s=2.0)
        if os.name == "nt" and code is not None and code in _WINDOWS_CRASHES:
            return Failure("crash", f"the worker process died of {_WINDOWS_CRASHES[code]} while running your code")
        if os.name != "nt" and code is not None and code > 128:
            code = 128 - code  # the executor's ancestors report a signal N as 128 + N
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            what = f"the worker process was killed by {name}"
            if name == "SIGSEGV":
                what += " (a segmentation fault)"
            elif name == "SIGKILL" and self._out_of_memory():
                return Failure("crash", "the worker process was killed while running your code: it exceeded the "
                               f"memory limit of {self.limits.memory_bytes / 2**30:g} GiB (all the submission's "
                               "processes together)", out_of_memory=True)
            elif name == "SIGKILL":
                what += " (out of memory, or killed from inside)"
        else:
            what = f"the worker process exited with code {code}"
        return Failure("crash", f"{what} while running your code (os._exit, a crash, a signal, or closed "
                                "the grader's file descriptors?)")

    def _out_of_memory(self) -> bool:
        """Did the kernel kill a process of the submission for memory during this request?
        (Asked after a SIGKILL; the kernel may count the kill a moment after delivering it.)"""
        if self.cgroup is None:
            return False
        for _ in range(10):
            if self.cgroup.oom_kills() > self._oom_kills:
                return True
            time.sleep(0.05)
        return False

    # -- process management --------------------------------------------------
    def _spawn(self) -> None:
        self._proc, self._launched = self._launched or self._fork(), None
        try:
            ready = self._read_reply(STARTUP_TIMEOUT_S)
        except (TimeoutError, EOFError, OSError, protocol.ProtocolError) as exc:
            self._kill()
            raise RuntimeError(f"the sandbox executor did not start: {exc}") from exc
        value = ready.get("value") if isinstance(ready.get("value"), dict) else {}
        self.limits_applied = tuple(str(note) for note in value.get("applied", ()))[:64]
        self.limits_not_applied = tuple(str(note) for note in value.get("missing", ()))[:64]

    def _fork(self) -> _Process:
        zygote = self.zygote or launcher.shared()
        workdir = tempfile.mkdtemp(prefix="grader-worker-")
        spawned = zygote.spawn(workdir, self.limits.to_plain(), self.cgroup and self.cgroup.to_plain(),
                               self._libraries())
        readers = (_CappedReader(spawned.stdout_fd, self.limits.output_bytes),
                   _CappedReader(spawned.stderr_fd, self.limits.output_bytes))
        for reader in readers:
            reader.start()
        return _Process(spawned.pid, zygote, spawned.request_fd, spawned.reply_fd, workdir, readers)

    def _libraries(self) -> tuple[str, ...]:
        """The libraries the executor should find ready (and silent): those the statements mention."""
        return tuple(name for name in ON_DEMAND_LIBRARIES if any(name in s.source for s in self.statements))

    def _kill(self, grace_s: float = 0.0) -> int | None:
        """Kill the executor and everything it started; return its exit code.

        With ``grace_s`` the executor first gets that long to finish dying on its own,
        so that its real exit status (``os._exit(0)``, SIGSEGV...) can be reported.
        """
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        code = proc.zygote.wait(proc.pid, grace_s) if grace_s else None
        if code is None:
            proc.zygote.kill(proc.pid)
        for fd in (proc.request_fd, proc.reply_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        if code is None:
            code = proc.zygote.wait(proc.pid, 10.0)
        for reader, sink in zip(proc.readers, (self._stdout, self._stderr)):
            reader.join(timeout=2)
            sink.append(reader.text())
        shutil.rmtree(proc.workdir, ignore_errors=True)
        return code


#: How a Windows process that crashed reports it (NTSTATUS exit codes), for the student.
_WINDOWS_CRASHES = {0xC0000005: "an access violation (a segmentation fault)", 0xC00000FD: "a stack overflow",
                    0xC0000409: "a stack buffer overrun", 0xC0000017: "lack of memory"}


def _size(count: int) -> str:
    return f"{count / 2**20:.1f} MB" if count >= 2**20 else f"{count / 1024:.0f} KB"
