"""Landlock (Linux ≥ 5.13): unprivileged filesystem, TCP and signal restriction.

Called by the worker on itself once its imports are done: afterwards it can read
only the Python installation and system libraries, write only its own temporary
directory, make no TCP connection, and signal no process outside itself.  Plain
ctypes over the three system calls; returns what it could apply so the report can
say so.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
import os
import sys

from grader.sandbox.common.features import disabled, note
from grader.sandbox.executor import libc as clib

SYS_CREATE_RULESET = 444
SYS_ADD_RULE = 445
SYS_RESTRICT_SELF = 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

READ_ACCESS = EXECUTE | READ_FILE | READ_DIR
#: Never granted in the working directory: device nodes, sockets, FIFOs and symbolic links
#: (only regular files and directories are made there).
SPECIAL_FILES = MAKE_CHAR | MAKE_BLOCK | MAKE_SOCK | MAKE_FIFO | MAKE_SYM


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc() -> ctypes.CDLL | None:
    """The C library, only on Linux: elsewhere (macOS) ``syscall`` may exist, but with other numbers."""
    return clib.libc() if sys.platform.startswith("linux") else None


def abi_version() -> int:
    """Landlock ABI of the running kernel, 0 when unavailable (or switched off: common.features)."""
    if disabled("landlock"):
        return 0
    syscall = getattr(_libc(), "syscall", None)
    if syscall is None:
        return 0
    try:
        version = syscall(SYS_CREATE_RULESET, None, ctypes.c_size_t(0), CREATE_RULESET_VERSION)
    except OSError:
        return 0
    return max(int(version), 0)


def _unavailable() -> str:
    if disabled("landlock"):
        return f"Landlock is not available ({note('landlock')})"
    if _libc() is None:
        return "Landlock is not available on this system (Linux only)"
    return "Landlock is not available in this kernel"


def _fs_access_for(abi: int) -> int:
    access = (1 << 13) - 1  # everything up to MAKE_SYM (ABI 1)
    if abi >= 2:
        access |= REFER
    if abi >= 3:
        access |= TRUNCATE
    if abi >= 5:
        access |= IOCTL_DEV
    return access


def restrict(read_paths: list[str], write_paths: list[str], list_paths: Sequence[str] = ()) -> list[str]:
    """Apply the ruleset to this process; return human-readable notes of what holds.

    ``list_paths`` may be listed (their entries' names) but not read.  ``write_paths``
    may be read and changed, but only regular files and directories may be created
    there: no device node, socket, FIFO or symbolic link (every ABI handles these, so
    they are refused even where the seccomp filter is missing).

    Raises OSError when Landlock is unavailable or refuses the ruleset.
    """
    abi = abi_version()
    libc = _libc()
    if abi < 1 or libc is None:
        raise OSError(_unavailable())
    fs_access = _fs_access_for(abi)
    attr = _RulesetAttr(handled_access_fs=fs_access)
    size = ctypes.sizeof(_RulesetAttr) - 16  # ABI 1-3 know only the fs field
    notes = [f"filesystem: read-only Python and system libraries (and the few /etc files they read), writes only "
             f"regular files and directories in the working directory (Landlock ABI {abi})"]
    if abi >= 4:
        attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP
        size = ctypes.sizeof(_RulesetAttr) - 8
        notes.append("network: no TCP connect or bind (Landlock)")
    if abi >= 6:
        attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
        size = ctypes.sizeof(_RulesetAttr)
        notes.append("signals and abstract sockets: confined to the worker (Landlock)")
    ruleset = libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for paths, access in ((read_paths, READ_ACCESS), (list_paths, READ_DIR), (write_paths, fs_access & ~SPECIAL_FILES)):
            for path in paths:
                _allow(libc, ruleset, path, access)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(NO_NEW_PRIVS) failed")
        if libc.syscall(SYS_RESTRICT_SELF, ruleset, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)
    return notes


def _allow(libc: ctypes.CDLL, ruleset: int, path: str, access: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a path that does not exist needs no rule
    try:
        if not os.path.isdir(path):
            access &= EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
        rule = _PathBeneathAttr(allowed_access=access, parent_fd=fd)
        if libc.syscall(SYS_ADD_RULE, ruleset, RULE_PATH_BENEATH, ctypes.byref(rule), 0) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
    finally:
        os.close(fd)
