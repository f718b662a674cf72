"""The zygote: a process holding torch, numpy and the probes, that forks one executor per item.

It never runs student code and never imports ``reference/`` or ``assignments/``.  It
is either forked from the judge right after ``import torch`` (the command line: one
torch import per submission) or started as ``python -m grader.sandbox.executor.zygote`` (a
judge that already ran torch operations, such as a test process: forking it then
could deadlock on torch's thread pools).  Before serving it imports every probe and
runs their warm-up single-threaded, which starts no thread (checked), so each
executor it forks starts warm, in milliseconds.

The judge talks to it over a ``SOCK_SEQPACKET`` socket (one JSON object per packet):
``spawn`` forks an executor and answers with its pid and, as ``SCM_RIGHTS``, the
judge's ends of its request, reply, stdout and stderr pipes; ``wait`` reaps it.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from typing import Any, NoReturn

from grader.sandbox.common import features
from grader.sandbox.executor import leftovers, namespaces

def executor_environment(workdir: str) -> dict[str, str]:
    """The only environment an executor sees (the judge's may hold tokens of the CI or Gradescope)."""
    return {"PATH": "/usr/bin:/bin", "HOME": workdir, "TMPDIR": workdir, "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg", "TQDM_DISABLE": "1",
            "CUDA_VISIBLE_DEVICES": "", "LANG": "C.UTF-8",
            # kernel features switched off (to test degradation) stay off: grader.sandbox.common.features
            **({features.ENV: os.environ[features.ENV]} if features.ENV in os.environ else {})}


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


def prepare() -> bool:
    """Import and warm up everything an executor needs; False when that started a thread
    (then each executor warms up by itself, after the fork)."""
    import torch

    torch.set_num_threads(1)
    from grader.sandbox.executor import libraries, seccomp_filter, server  # noqa: F401 - imported for the executors
    from grader.sandbox.probes import registry

    libraries.prepare()  # tqdm, silent in graded code (matplotlib and IPython.display: on demand)
    seccomp_filter.load_library()  # it runs ldconfig once, here, instead of in every executor

    before = _threads()
    registry.warm_up()  # torch patches some of its own functions lazily: let it, before any snapshot
    return _threads() == before


def _redirect_standard_streams(stdout_fd: int, stderr_fd: int) -> None:
    devnull = os.open(os.devnull, os.O_RDONLY)  # read-only: graded code has no input and nothing to write on 0
    os.dup2(devnull, 0)
    os.dup2(stdout_fd, 1)
    os.dup2(stderr_fd, 2)
    os.close(devnull)
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", write_through=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", write_through=True)


def _close_all_but(keep: set[int]) -> None:
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _executor(request_r: int, reply_w: int, out_w: int, err_w: int, request: dict[str, Any],
              warm: bool, zygote: int) -> NoReturn:
    """In the forked child: the submission's cgroup, a session of its own, the student's streams,
    a clean environment."""
    try:
        workdir, limits = str(request["workdir"]), dict(request["limits"])
        cgroup = _join_cgroup(request.get("cgroup"))
        os.setsid()
        namespaces.die_with_parent(zygote)
        _redirect_standard_streams(out_w, err_w)
        _close_all_but({0, 1, 2, request_r, reply_w})
        environment = executor_environment(workdir)
        os.environ.clear()
        os.environ.update(environment)
        tempfile.tempdir = workdir  # Python caches the temporary folder: the zygote's is not the executor's
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if not warm:
            from grader.sandbox.probes import registry

            registry.warm_up()
        from grader.sandbox.executor import server

        server.run(request_r, reply_w, workdir, limits, cgroup)
    finally:
        os._exit(70)


def _join_cgroup(description: dict[str, Any] | None) -> Any:
    """Join the submission's cgroup (made by the judge) before anything else; None if there is none."""
    if not description:
        return None
    from grader.sandbox.common.cgroup import SubmissionCgroup

    cgroup = SubmissionCgroup.from_plain(description)
    try:
        cgroup.join_self()
    except OSError:
        return None  # apply_in_worker then reports the per-process fallback
    return cgroup


class _Children:
    """Executors forked so far and, once reaped, their exit codes (128 + N for a signal N)."""

    def __init__(self) -> None:
        self.codes: dict[int, int | None] = {}

    def reap(self) -> None:
        """Collect every ended child: executors, and the orphans of killed ones that we adopted."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid in self.codes:
                code = os.waitstatus_to_exitcode(status)
                self.codes[pid] = code if code >= 0 else 128 - code

    def wait(self, pid: int, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while True:
            self.reap()
            if self.codes.get(pid) is not None or pid not in self.codes:
                return self.codes.pop(pid, None)
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.005)

    def kill_all(self) -> None:
        for pid, code in self.codes.items():
            if code is None:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass


def _spawn(sock: socket.socket, request: dict[str, Any], children: _Children, warm: bool) -> None:
    request_r, request_w = os.pipe()
    reply_r, reply_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    from grader.sandbox.executor import libraries

    libraries.prepare(tuple(str(name) for name in request.get("libraries") or ()))
    zygote = os.getpid()
    pid = os.fork()
    if pid == 0:
        sock.close()
        for fd in (request_w, reply_r, out_r, err_r):
            os.close(fd)
        _executor(request_r, reply_w, out_w, err_w, request, warm, zygote)
    children.codes[pid] = None
    for fd in (request_r, reply_w, out_w, err_w):
        os.close(fd)
    theirs = [request_w, reply_r, out_r, err_r]
    try:
        socket.send_fds(sock, [json.dumps({"pid": pid}).encode()], theirs)
    finally:
        for fd in theirs:
            os.close(fd)


def serve(sock: socket.socket, judge: int) -> NoReturn:
    """Answer the judge's requests until it closes the socket; then kill every executor left."""
    namespaces.die_with_parent(judge)
    # A killed executor's descendants (its namespace's init) are adopted and reaped here, not left
    # as zombies of the machine's init (which, in a container, may never reap them).
    leftovers.become_subreaper()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the judge, which closes us
    children = _Children()
    # What torch writes while warming up (torch._dynamo's cache folder) goes to a folder of our own,
    # removed as soon as the warm-up is over (the zygote may be killed with its judge, never cleaning up).
    private = tempfile.mkdtemp(prefix="grader-zygote-")
    tempfile.tempdir = os.environ["TMPDIR"] = private
    try:
        try:
            warm = prepare()
        finally:
            shutil.rmtree(private, ignore_errors=True)
        sock.send(json.dumps({"ready": True}).encode())
        while True:
            packet = sock.recv(65536)
            if not packet:
                break
            request = json.loads(packet)
            if request.get("op") == "spawn":
                _spawn(sock, request, children, warm)
            elif request.get("op") == "wait":
                code = children.wait(int(request["pid"]), float(request["timeout"]))
                sock.send(json.dumps({"code": code}).encode())
    except (OSError, ValueError, KeyError):
        pass
    finally:
        children.kill_all()
        os._exit(0)


def main() -> None:
    parser = argparse.ArgumentParser(prog="grader-zygote")
    parser.add_argument("--fd", type=int, required=True, help="the judge's SOCK_SEQPACKET socket")
    parser.add_argument("--judge", type=int, required=True, help="the judge's pid (we die with it)")
    args = parser.parse_args()
    serve(socket.socket(fileno=args.fd), args.judge)


if __name__ == "__main__":
    main()
