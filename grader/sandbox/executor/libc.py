"""The C library the executor calls Linux system calls through (``prctl``, ``unshare``, ``mount``, ``syscall``).

One place says what it is, for :mod:`namespaces`, :mod:`leftovers` and :mod:`landlock`: on Linux
the process's own C library; on macOS libSystem, which has no ``prctl``, ``unshare`` or ``mount``;
on Windows nothing (``ctypes.CDLL(None)`` raises TypeError there).  Callers look a function up
with ``getattr(libc(), name, None)``, so a missing one is a limit not applied, never an exception.
"""

from __future__ import annotations

import ctypes
import functools


@functools.cache
def libc() -> ctypes.CDLL | None:
    """The C library with ``errno`` kept for ``ctypes.get_errno()``, or None where there is none to load."""
    try:
        return ctypes.CDLL(None, use_errno=True)
    except (TypeError, OSError):
        return None
