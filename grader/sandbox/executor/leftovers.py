"""Inside the worker: what a request's student code left behind when it returned.

A graded definition has no reason to leave a thread or a process running, or to
close or replace the descriptors the worker talks through.  Anything of the kind
could go on acting while later checks run (re-patching torch, hogging the CPU,
writing to the protocol pipe), so the worker reports it and the judge replaces the
worker before the next request: whatever was left behind dies with it.

Only Python threads that run student code count (a library's own helper thread,
such as tqdm's monitor, does not fail anyone); every child process counts.
"""

from __future__ import annotations

import os
import sys
import threading
import types
from typing import Any, Iterable

from grader.sandbox.executor.libc import libc
from grader.sandbox.executor.student import CELL_PREFIX

_PR_SET_CHILD_SUBREAPER = 36
_STANDARD = {0: "standard input", 1: "standard output", 2: "standard error"}


def become_subreaper() -> bool:
    """Adopt every orphaned descendant, so that a double fork still shows up as our child.

    False where it could not: no ``prctl`` outside Linux."""
    prctl = getattr(libc(), "prctl", None)
    return prctl is not None and prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def adoption_notes() -> list[str]:
    """Become the subreaper; return what this system does not let the worker see of leftover processes."""
    if become_subreaper():
        return []
    if not hasattr(os, "WNOHANG"):
        return ["processes left running by graded code: not seen on this system (Windows); the integrity "
                "policy still refuses starting them"]
    if sys.platform != "linux":
        return [f"orphaned processes: not adopted by the worker (Linux only, this is {sys.platform}); a double "
                "fork is not seen as left running"]
    return ["orphaned processes: not adopted by the worker (prctl failed); a double fork is not seen as left "
            "running"]


def running_children() -> bool:
    """Reap finished children; True if one is still running.

    Always False on Windows, which cannot wait for any child (no ``os.WNOHANG``): a process left
    running there is not seen."""
    if not hasattr(os, "WNOHANG"):
        return False
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return False
        except InterruptedError:
            continue
        if pid == 0:
            return True


def _is_student_code(code: Any) -> bool:
    return isinstance(code, types.CodeType) and code.co_filename.startswith(CELL_PREFIX)


def _runs_student_code(thread: threading.Thread | None, frame: types.FrameType | None) -> bool:
    """Was this thread started on student code, or is it running some right now?"""
    if thread is not None:
        for attribute in ("_target", "function"):  # threading.Thread, threading.Timer
            target = getattr(thread, attribute, None)
            while hasattr(target, "func"):  # functools.partial
                target = target.func
            if _is_student_code(getattr(target, "__code__", None)):
                return True
        run = getattr(type(thread), "run", None)
        if _is_student_code(getattr(run, "__code__", None)):
            return True
    while frame is not None:
        if _is_student_code(frame.f_code):
            return True
        frame = frame.f_back
    return False


def student_threads() -> int:
    """How many threads besides the main one were started on, or are running, student code."""
    threads = {thread.ident: thread for thread in threading.enumerate()}
    main = threading.main_thread().ident
    count = 0
    for ident, frame in sys._current_frames().items():
        if ident != main and _runs_student_code(threads.get(ident), frame):
            count += 1
    return count


def descriptor_identities(fds: Iterable[int]) -> dict[int, tuple[int, int] | None]:
    identities: dict[int, tuple[int, int] | None] = {}
    for fd in fds:
        try:
            info = os.fstat(fd)
            identities[fd] = (info.st_dev, info.st_ino)
        except OSError:
            identities[fd] = None
    return identities


def what_was_left(descriptors: dict[int, tuple[int, int] | None], protocol_fds: Iterable[int]) -> list[str]:
    """One phrase per kind of leftover, for the student (empty: nothing was left)."""
    found: list[str] = []
    threads = student_threads()
    if threads:
        found.append(f"{threads} thread{'s' if threads > 1 else ''} still running")
    if running_children():
        found.append("a process still running")
    protocol = set(protocol_fds)
    changed = [fd for fd, identity in descriptor_identities(descriptors).items() if identity != descriptors[fd]]
    for fd in changed:
        what = _STANDARD.get(fd, "the grader's protocol pipe" if fd in protocol else f"descriptor {fd}")
        found.append(f"file descriptor {fd} ({what}) closed or replaced")
    return found


def leftover_failure(found: list[str], op: str) -> dict[str, Any]:
    during = "loading your code" if op == "load" else "this check"
    return {"kind": "escaped", "restart": True,
            "summary": f"after {during} your code left {', '.join(found)}; graded code must not start "
                       "threads or processes that outlive it or touch the grader's file descriptors "
                       "(the worker was replaced)"}
