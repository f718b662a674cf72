"""An audit hook (PEP 578) in the executor: the run-time layer behind the integrity policy.

The judge's static policy (:mod:`grader.integrity`) refuses frame access, ``gc`` and
``/proc`` paths in the source an item loads.  Code can still be built so that no rule
sees it, so the executor also refuses, at run time, the interpreter events that reach
the grader's own frames and memory when student code causes them:

* frames: ``sys._getframe``, ``sys._current_frames``, the restricted attributes the
  interpreter audits (``tb_frame``, ``gi_frame``, ``cr_frame``, ``ag_frame``,
  ``__code__``...), tracing and profiling hooks — when the call comes *directly* from
  the notebook's code (libraries such as ``collections.namedtuple`` or ``enum`` read
  their caller's frame for its module name, and stay usable);
* the interpreter's heap: ``gc.get_objects``/``get_referrers``/``get_referents``;
* files that expose the process itself: ``/proc/<pid>/mem``, ``fd``, ``environ``,
  ``maps``..., and devices other than ``/dev/null``, ``zero``, ``random``,
  ``urandom`` — while any notebook code is on the stack.

An audit hook cannot be removed, and its state lives in closure cells that code
without ``__closure__`` (refused statically and by the checked ``getattr``) cannot
reach.  A refusal raises ``RuntimeError`` in the student's code, naming the rule.
"""

from __future__ import annotations

import sys
from typing import Any, Callable

STUDENT_FILE_PREFIX = "<cell "

#: Events refused when the notebook's code triggers them directly.
_DIRECT = frozenset({"sys._getframe", "sys._getframemodulename", "sys._current_frames", "object.__getattr__",
                     "sys.settrace", "sys.setprofile", "sys.addaudithook", "function.__new__", "code.__new__"})
#: Events refused whenever the notebook's code is anywhere on the stack.
_ANYWHERE = frozenset({"gc.get_objects", "gc.get_referrers", "gc.get_referents"})
_OPEN = "open"
#: Parts of ``/proc/<pid>/…`` that expose the process's memory, descriptors or environment.
_PROC_SECRETS = ("mem", "fd", "fdinfo", "environ", "maps", "smaps", "smaps_rollup", "pagemap", "auxv",
                 "syscall", "stack", "cmdline", "map_files", "task", "root", "cwd", "exe")
_DEVICES_ALLOWED = frozenset({"/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"})


def _is_student(frame: Any) -> bool:
    return frame is not None and frame.f_code.co_filename.startswith(STUDENT_FILE_PREFIX)


def _exposes_process(path: Any) -> bool:
    if isinstance(path, bytes):
        path = path.decode("utf-8", "replace")
    if not isinstance(path, str):
        return False  # a descriptor number: opened earlier, under these same rules
    if path.startswith("/dev/"):
        return path not in _DEVICES_ALLOWED and not path.startswith("/dev/shm/")
    if not path.startswith("/proc/"):
        return False
    parts = [p for p in path.split("/") if p and p != "."]
    return len(parts) >= 3 and parts[2] in _PROC_SECRETS or ".." in parts


def make_hook() -> Callable[[str, tuple[Any, ...]], None]:
    """The hook; its only state is in closure cells."""
    getframe = sys._getframe
    busy = [False]

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if busy[0] or (event not in _DIRECT and event not in _ANYWHERE and event != _OPEN):
            return
        busy[0] = True
        try:
            caller = getframe(1)
            if event in _DIRECT:
                if _is_student(caller):
                    detail = f" `{args[1]}`" if event == "object.__getattr__" and len(args) > 1 else ""
                    raise RuntimeError(f"{event}{detail} is not available to graded code (integrity rule "
                                       "`frame-access`: the grader's own frames and code are off limits)")
                return
            if event == _OPEN and not (args and _exposes_process(args[0])):
                return
            frame = caller
            while frame is not None:
                if _is_student(frame):
                    what = f"opening {args[0]!r}" if event == _OPEN else event
                    raise RuntimeError(f"{what} is not available to graded code (integrity rule "
                                       "`system-path`: the process's memory, descriptors and devices are off "
                                       "limits)")
                frame = frame.f_back
        finally:
            busy[0] = False

    return hook


def install() -> str:
    """Install the hook in this (executor) process; returns the note for the report."""
    sys.addaudithook(make_hook())
    return ("run time: notebook code may not take frames (sys._getframe, tracebacks, generators), walk the "
            "heap (gc) or open /proc/<pid>/mem, fd, environ, maps… or devices (audit hook)")
