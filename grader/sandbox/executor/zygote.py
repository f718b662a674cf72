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
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from typing import Any, NoReturn

from grader.sandbox.common.environment import executor_environment
from grader.sandbox.executor import leftovers, namespaces, startup


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


def prepare() -> bool:
    """Import and warm up everything an executor needs; False when that started a thread
    (then each executor warms up by itself, after the fork)."""
    from grader.sandbox.probes import registry

    startup.import_libraries()
    before = _threads()
    registry.warm_up()  # torch patches some of its own functions lazily: let it, before any snapshot
    return _threads() == before


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
        cgroup = startup.join_cgroup(request.get("cgroup"))
        os.setsid()
        namespaces.die_with_parent(zygote)
        startup.redirect_standard_streams(out_w, err_w)
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
