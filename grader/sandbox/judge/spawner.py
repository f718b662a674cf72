"""Judge side of starting executors where no zygote can fork them (macOS, Windows).

:class:`Spawner` has the zygote's interface (``spawn``, ``wait``, ``kill``, ``alive``, ``close``:
:class:`grader.sandbox.judge.launcher.Launcher`) but starts every executor as a fresh interpreter
(``python -m grader.sandbox.executor.spawned``) with ``subprocess``: no ``os.fork`` and no descriptor
passing over UNIX sockets, neither of which Windows has (macOS has no ``SOCK_SEQPACKET`` socket pairs,
and forking after ``import torch`` is unsafe there).  The protocol pipes are handed down as
inherited descriptors (POSIX) or handles (Windows); standard output and error are ``subprocess``
pipes.  Each item then pays for one torch import; :meth:`Sandbox.launch` starts the next one early.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
from typing import Any

from grader.sandbox.common.environment import executor_environment
from grader.sandbox.judge.launcher import PACKAGE_ROOT, Spawned, ZygoteLost, kill_group

#: Named, never imported here (the judge imports nothing that runs in the executor).
EXECUTOR_MODULE = "grader.sandbox.executor.spawned"


def _handing_down(fds: tuple[int, ...]) -> tuple[list[str], dict[str, Any]]:
    """How the child finds ``fds`` (its arguments) and what ``Popen`` needs to let it inherit them."""
    if os.name == "nt":
        import msvcrt

        handles = [msvcrt.get_osfhandle(fd) for fd in fds]
        for handle in handles:
            os.set_handle_inheritable(handle, True)
        # Only these handles (and the standard ones, which subprocess adds) are inherited.
        startupinfo = subprocess.STARTUPINFO(lpAttributeList={"handle_list": handles})
        flags = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.CREATE_NO_WINDOW
        return [str(handle) for handle in handles], {"startupinfo": startupinfo, "creationflags": flags}
    return [str(fd) for fd in fds], {"pass_fds": fds, "start_new_session": True}


def starting_environment(workdir: str) -> dict[str, str]:
    """The executor's environment plus what its interpreter needs to find the grader and torch: the
    executor's HOME is its working directory, so packages installed with ``pip install --user`` are
    found through ``PYTHONUSERBASE``.  The executor drops both once it has imported them."""
    environment = {**executor_environment(workdir), "PYTHONPATH": PACKAGE_ROOT}
    if site.ENABLE_USER_SITE:
        environment["PYTHONUSERBASE"] = site.getuserbase()
    return environment


def _kill_on_close_job() -> Any:
    from grader.sandbox.common import windows_job

    try:
        return windows_job.kill_on_close_job()
    except OSError:
        return None


class Spawner:
    """Starts one executor per request as a new process; knows each by its ``Popen``."""

    def __init__(self) -> None:
        self._children: dict[int, subprocess.Popen[bytes]] = {}
        #: Windows: a job that kills every executor when the judge exits, however it ends
        self._job = _kill_on_close_job() if os.name == "nt" else None

    def spawn(self, workdir: str, limits: dict[str, Any], cgroup: dict[str, Any] | None = None,
              libraries: tuple[str, ...] = ()) -> Spawned:
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        tokens, inherit = _handing_down((request_r, reply_w))
        setup = json.dumps({"workdir": workdir, "limits": limits, "cgroup": cgroup, "libraries": list(libraries)})
        environment = starting_environment(workdir)
        try:
            popen = subprocess.Popen([sys.executable, "-m", EXECUTOR_MODULE, "--request", tokens[0],
                                      "--reply", tokens[1], "--judge", str(os.getpid()), "--setup", setup],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=environment, cwd=workdir, **inherit)
        except OSError as exc:
            for fd in (request_w, reply_r):
                os.close(fd)
            raise ZygoteLost(f"could not start an executor: {exc}") from exc
        finally:
            for fd in (request_r, reply_w):
                os.close(fd)
        assert popen.stdout is not None and popen.stderr is not None
        out, err = os.dup(popen.stdout.fileno()), os.dup(popen.stderr.fileno())
        popen.stdout.close()
        popen.stderr.close()
        self._children[popen.pid] = popen
        if self._job is not None:
            try:
                self._job.add(int(popen._handle))  # type: ignore[attr-defined]  # the process handle, Windows only
            except OSError:
                pass  # the executor lives on if the judge is killed; close() still kills it
        return Spawned(popen.pid, request_w, reply_r, out, err)

    def wait(self, pid: int, timeout: float) -> int | None:
        """The executor's exit code (128 + N for a signal N) once it ended, None if it is still running."""
        popen = self._children.get(pid)
        if popen is None:
            return None
        try:
            code = popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        del self._children[pid]
        return code if code >= 0 else 128 - code

    def kill(self, pid: int) -> None:
        """Kill the executor and, on POSIX, its whole session (whatever it started)."""
        popen = self._children.get(pid)
        if hasattr(os, "killpg"):
            kill_group(pid)
        elif popen is not None:
            try:
                popen.kill()  # Windows: TerminateProcess
            except OSError:
                pass

    def alive(self) -> bool:
        return True  # nothing long-lived to lose: every spawn starts from scratch

    def close(self) -> None:
        """Kill every executor still running and reap them."""
        for pid in list(self._children):
            self.kill(pid)
            self.wait(pid, 10.0)
