"""Judge side of starting executors: the one small interface between judge and zygote.

:class:`Zygote` is how the judge gets a fresh executor for an item (``spawn``), learns
how it ended (``wait``) and lets it go.  Batch grading can pool zygotes and GPU checks
can ask for an executor that may initialise CUDA behind the same three calls.

A process has one shared zygote (:func:`shared`).  The command line forks it right after
``import torch`` (:func:`fork_shared`), so a submission pays for one torch import; any
other caller (tests, a judge that already ran torch operations) gets one started as a
fresh interpreter, which is safe whatever this process did before.

Where a zygote cannot work (no ``os.fork`` or no UNIX packet sockets: Windows, macOS) the shared
launcher is a :class:`grader.sandbox.judge.spawner.Spawner` instead, which starts each executor as
a fresh interpreter behind the same interface (:class:`Launcher`); ``GRADER_EXECUTOR=spawn`` asks
for it anywhere (to test it on Linux).
"""

from __future__ import annotations

import importlib
import atexit
import json
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from grader.sandbox.common import features

PACKAGE_ROOT = str(Path(__file__).resolve().parents[3])  #: grader/sandbox/judge/launcher.py -> the project root
#: The zygote's module, named and never imported here: the judge imports nothing that runs in the executor.
#: It is imported only in the forked child (:meth:`Zygote.fork`) or run as ``python -m`` (:meth:`Zygote.launch`).
ZYGOTE_MODULE = "grader.sandbox.executor.zygote"
STARTUP_TIMEOUT_S = 120.0


#: ``spawn`` starts every executor as a fresh interpreter even where a zygote could fork them.
TRANSPORT_ENV = "GRADER_EXECUTOR"


class ZygoteLost(RuntimeError):
    """The zygote died or stopped answering (or an executor could not start): a grader failure,
    never a student's."""


@dataclass(frozen=True)
class Spawned:
    """A new executor: its pid (also its process group) and the judge's ends of its pipes."""

    pid: int
    request_fd: int
    reply_fd: int
    stdout_fd: int
    stderr_fd: int


class Launcher(Protocol):
    """How the judge gets executors: a :class:`Zygote` or a :class:`~grader.sandbox.judge.spawner.Spawner`."""

    def spawn(self, workdir: str, limits: dict[str, Any], cgroup: dict[str, Any] | None = None,
              libraries: tuple[str, ...] = ()) -> Spawned: ...

    def wait(self, pid: int, timeout: float) -> int | None: ...

    def kill(self, pid: int) -> None: ...

    def alive(self) -> bool: ...

    def close(self) -> None: ...


def why_no_zygote() -> str | None:
    """Why executors cannot be forked from a zygote here (None: they can)."""
    if os.environ.get(TRANSPORT_ENV) == "spawn":
        return f"{TRANSPORT_ENV}=spawn"
    if not hasattr(os, "fork"):
        return f"no os.fork on {sys.platform}"
    if sys.platform == "darwin":
        return "macOS: no UNIX packet sockets, and forking after import torch is unsafe"
    try:
        ends = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    except (AttributeError, OSError) as exc:
        return f"no UNIX packet sockets ({exc})"
    for end in ends:
        end.close()
    return None


def kill_group(pid: int) -> None:
    """SIGKILL an executor's process group (once it made one: setsid) and the executor itself, in case it
    had not yet (POSIX)."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class Zygote:
    def __init__(self, sock: socket.socket, pid: int, popen: subprocess.Popen[bytes] | None = None) -> None:
        self._sock, self.pid, self._popen = sock, pid, popen
        self._sock.settimeout(STARTUP_TIMEOUT_S)
        #: the zygote says hello once warm; read it at the first spawn, not before, so that the judge
        #: goes on importing meanwhile
        self._greeted = False

    @classmethod
    def fork(cls) -> "Zygote":
        """Fork this process into a zygote: only right after ``import torch``, before any torch operation."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        judge = os.getpid()
        pid = os.fork()
        if pid == 0:
            ours.close()
            importlib.import_module(ZYGOTE_MODULE).serve(theirs, judge)
        theirs.close()
        return cls(ours, pid)

    @classmethod
    def launch(cls) -> "Zygote":
        """Start a zygote as a fresh interpreter (safe at any time, costs one more torch import)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": PACKAGE_ROOT,
               "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg",
               "CUDA_VISIBLE_DEVICES": os.environ.get("CUDA_VISIBLE_DEVICES", "")}
        if features.ENV in os.environ:  # features switched off stay off in the zygote and executors
            env[features.ENV] = os.environ[features.ENV]
        popen = subprocess.Popen([sys.executable, "-m", ZYGOTE_MODULE, "--fd", str(theirs.fileno()),
                                  "--judge", str(os.getpid())],
                                 stdin=subprocess.DEVNULL, pass_fds=(theirs.fileno(),), env=env,
                                 cwd=PACKAGE_ROOT, start_new_session=True)
        theirs.close()
        return cls(ours, popen.pid, popen)

    # -- the interface ------------------------------------------------------------
    def spawn(self, workdir: str, limits: dict[str, Any], cgroup: dict[str, Any] | None = None,
              libraries: tuple[str, ...] = ()) -> Spawned:
        """Fork a new executor serving in ``workdir`` under ``limits``, in ``cgroup`` (its description),
        with ``libraries`` (``matplotlib``, ``IPython``) imported and silenced beforehand."""
        if not self._greeted:
            self._receive()
            self._greeted = True
        self._send({"op": "spawn", "workdir": workdir, "limits": limits, "cgroup": cgroup,
                    "libraries": list(libraries)})
        try:
            packet, fds, _, _ = socket.recv_fds(self._sock, 65536, 4)
        except OSError as exc:
            raise ZygoteLost(f"the zygote did not answer: {exc}") from exc
        if not packet or len(fds) != 4:
            for fd in fds:
                os.close(fd)
            raise ZygoteLost("the zygote did not hand over an executor")
        return Spawned(int(json.loads(packet)["pid"]), *fds)

    def wait(self, pid: int, timeout: float) -> int | None:
        """The executor's exit code (128 + N for a signal N) once it ended, None if it is still running."""
        self._send({"op": "wait", "pid": pid, "timeout": timeout})
        code = self._receive().get("code")
        return code if isinstance(code, int) else None

    def kill(self, pid: int) -> None:
        kill_group(pid)

    def alive(self) -> bool:
        if self._popen is not None:
            return self._popen.poll() is None
        try:
            return os.waitpid(self.pid, os.WNOHANG) == (0, 0)
        except ChildProcessError:
            return False

    def close(self) -> None:
        """End the zygote; it kills every executor it still has."""
        self._sock.close()
        try:
            if self._popen is not None:
                self._popen.wait(timeout=10)
            else:
                os.waitpid(self.pid, 0)
        except (subprocess.TimeoutExpired, ChildProcessError):
            pass

    # -- transport ------------------------------------------------------------------
    def _send(self, message: dict[str, Any]) -> None:
        try:
            self._sock.send(json.dumps(message).encode())
        except OSError as exc:
            raise ZygoteLost(f"the zygote is gone: {exc}") from exc

    def _receive(self) -> dict[str, Any]:
        try:
            packet = self._sock.recv(65536)
        except OSError as exc:
            raise ZygoteLost(f"the zygote did not answer: {exc}") from exc
        if not packet:
            raise ZygoteLost("the zygote is gone")
        return json.loads(packet)


_shared: Launcher | None = None


def pin_hash_seed(module: str, argv: list[str]) -> None:
    """Re-execute this process as ``python -m module *argv`` with ``PYTHONHASHSEED=0`` unless it has it:
    the same submission then always gets the same grade (executors inherit the seed by fork).  Call it
    first, before anything is imported that a re-execution would import again."""
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.environ["PYTHONHASHSEED"] = "0"
        command = [sys.executable, "-m", module, *argv]
        if os.name == "nt":  # Windows's execv starts a new process and returns to the shell at once
            sys.exit(subprocess.call(command))
        os.execv(sys.executable, command)


def fork_shared() -> None:
    """Make this process's shared zygote by forking it now, right after ``import torch`` (a fresh grading
    process: before any assignment is imported and before any torch operation)."""
    import torch  # noqa: F401 - imported before the fork, shared by every executor

    global _shared
    if _shared is None and why_no_zygote() is None:
        _shared = Zygote.fork()
        atexit.register(_shared.close)  # the zygote kills what it still has, and the judge reaps it


def shared() -> Launcher:
    """This process's zygote, started (as a fresh interpreter) when there is none or it died; where
    there can be no zygote, a spawner."""
    global _shared
    if _shared is None or not _shared.alive():
        if why_no_zygote() is None:
            _shared = Zygote.launch()
        else:
            from grader.sandbox.judge.spawner import Spawner

            _shared = Spawner()
        atexit.register(_shared.close)
    return _shared
