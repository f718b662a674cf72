"""Linux namespaces for one executor, entered in-process (no ``unshare`` command, no exec).

An executor is forked from the zygote and must not exec (it would lose the imported
torch), so it calls ``unshare(2)`` itself through libc.  The order matters:

1. ``unshare`` a user namespace together with mount, network, IPC, UTS and PID
   namespaces.  The process maps itself to root *inside* (its own uid outside, so it
   holds no capability over anything of the host) and may then mount ``/proc``;
2. a new PID namespace only applies to children, so the process forks: the child is
   the namespace's PID 1, which the kernel shields from signals it sends itself
   (``os.kill(os.getpid(), SIGSEGV)`` would do nothing); so PID 1 mounts a fresh
   ``/proc``, forks once more, and only reaps orphans while the grandchild serves;
3. every ancestor exits with the grandchild's status (128 + N for a signal N, the
   shell's convention), and when PID 1 dies the kernel kills everything in the
   namespace, so nothing the student started outlives its executor.

Only the grandchild returns from :func:`isolate`.  Every step that fails is
reported with its reason, and the executor goes on with what did apply.
"""

from __future__ import annotations

import ctypes
import errno
import os
import signal

from grader.sandbox.common.features import disabled, note
from grader.sandbox.executor.libc import libc

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
MS_NOSUID, MS_NODEV, MS_NOEXEC = 2, 4, 8
PR_SET_PDEATHSIG = 1

_libc = libc()  # None on Windows; on macOS it has no prctl, unshare or mount
#: PR_SET_PDEATHSIG's signal: prctl exists only on Linux, where SIGKILL is 9 (Windows has no signal.SIGKILL).
_SIGKILL = getattr(signal, "SIGKILL", 9)

_WHAT = {
    CLONE_NEWNET: "network: own network namespace without interfaces (no TCP, UDP or abstract sockets)",
    CLONE_NEWPID: "processes: own PID namespace with its own /proc; every process of the item dies with it",
    CLONE_NEWIPC: "IPC: own IPC namespace (SysV objects and POSIX queues die with the executor)",
    CLONE_NEWUTS: "hostname: own UTS namespace",
}


def die_with_parent(parent: int) -> None:
    """SIGKILL this process when its parent dies (the zygote or judge going away ends it).

    ``parent`` is the pid the caller was forked from: if it died before the request took
    effect, the process has already been adopted by another, and ends now."""
    prctl = getattr(_libc, "prctl", None)  # Linux only: elsewhere the judge's own clean-up has to do
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, _SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(137)


def _unshare(flags: int) -> int:
    """0, or the errno of ``unshare(flags)``."""
    unshare = getattr(_libc, "unshare", None)
    if unshare is None or disabled("namespaces"):
        return errno.ENOSYS  # not Linux, or switched off (grader.sandbox.common.features)
    return 0 if unshare(flags) == 0 else ctypes.get_errno()


def _map_self_to_root(uid: int, gid: int) -> None:
    """Inside the new user namespace this process is root; outside it stays ``uid``/``gid``
    (read before ``unshare``: inside, until mapped, the process is the overflow user)."""
    with open("/proc/self/setgroups", "w") as f:
        f.write("deny")
    with open("/proc/self/uid_map", "w") as f:
        f.write(f"0 {uid} 1")
    with open("/proc/self/gid_map", "w") as f:
        f.write(f"0 {gid} 1")


_EPERM_HINT = ("unprivileged user namespaces are refused (kernel.unprivileged_userns_clone=0, AppArmor's "
               "kernel.apparmor_restrict_unprivileged_userns=1, or a container's seccomp profile)")
#: What the errno of a refused ``unshare(CLONE_NEWUSER)`` says about the machine.
_WHY_NO_USER_NAMESPACE = {errno.ENOSPC: "user.max_user_namespaces is 0 here, or its limit is reached",
                          errno.EPERM: _EPERM_HINT}


def _enter(applied: list[str], missing: list[str]) -> tuple[bool, bool]:
    """Unshare what the machine allows; return (have a user namespace, have a PID namespace)."""
    others = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWPID
    if disabled("namespaces"):
        missing.append(f"user, network, PID, IPC and UTS namespaces: not available ({note('namespaces')}); "
                       "the executor shares the host's network and process table")
        return False, False
    if getattr(_libc, "unshare", None) is None:
        missing.append("user, network, PID, IPC and UTS namespaces: not available on this system (its C library "
                       "has no unshare: Linux only); the executor shares the host's network and process table")
        return False, False
    uid_outside, gid_outside = os.geteuid(), os.getegid()
    error = _unshare(CLONE_NEWUSER | others)
    if error == 0:
        try:
            _map_self_to_root(uid_outside, gid_outside)
        except OSError as exc:
            missing.append(f"user namespace: could not map the executor's user ({exc})")
        applied.append(f"privileges: own user namespace; the executor is uid {uid_outside} outside it and "
                       "holds no capability over the host")
        applied.extend(_WHAT.values())
        return True, True
    why = _WHY_NO_USER_NAMESPACE.get(error, _EPERM_HINT)
    missing.append(f"user namespace: not permitted here ({os.strerror(error)}); {why}")
    error = _unshare(others)  # as real root, namespaces without a user namespace still isolate
    if error == 0:
        applied.extend(_WHAT.values())
        missing.append("privileges: the executor keeps its user's capabilities (no user namespace)")
        return False, True
    missing.append(f"network, PID, IPC and UTS namespaces: not permitted here ({os.strerror(error)}); "
                   "the executor shares the host's network and process table")
    return False, False


def _mount_proc(missing: list[str]) -> bool:
    """A fresh /proc for the new PID namespace; True when the mounts are private (so more may follow)."""
    if _libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        missing.append(f"mounts: could not make / private ({os.strerror(ctypes.get_errno())})")
        return False
    if _libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None) != 0:
        missing.append(f"/proc: could not mount the namespace's own ({os.strerror(ctypes.get_errno())})")
    return True


def _mount_workdir(workdir: str, size_bytes: int, applied: list[str], missing: list[str]) -> None:
    """The working directory becomes a size-limited tmpfs seen only inside this mount namespace: what the
    student's code writes counts against its memory, cannot fill the machine's disk, and is gone with it."""
    options = f"size={size_bytes},mode=0700,nr_inodes=10000".encode()
    if _libc.mount(b"tmpfs", workdir.encode(), b"tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, options) != 0:
        missing.append(f"working directory: not a size-limited tmpfs ({os.strerror(ctypes.get_errno())}); "
                       "files are limited one by one only")
        return
    applied.append(f"working directory: a private tmpfs of {size_bytes // 2**20} MiB, gone with the executor")


def _wait_and_exit(child: int, reap_all: bool) -> None:
    """Wait for ``child`` (reaping any orphan meanwhile when ``reap_all``), then exit with its status."""
    while True:
        try:
            pid, status = os.waitpid(-1 if reap_all else child, 0)
        except ChildProcessError:
            os._exit(0)
        except InterruptedError:
            continue
        if pid == child:
            code = os.waitstatus_to_exitcode(status)
            os._exit(code if code >= 0 else 128 - code)


def isolate(keep_fds: tuple[int, ...], workdir: str, workdir_bytes: int) -> tuple[list[str], list[str]]:
    """Enter the namespaces; return (applied, not applied) in the process that goes on to serve.

    ``keep_fds`` are the protocol descriptors: the waiting ancestors close them so that
    only the serving process holds them (the judge sees EOF exactly when it dies).
    ``workdir`` is mounted over with a tmpfs of ``workdir_bytes`` inside the mount namespace.
    """
    applied: list[str] = []
    missing: list[str] = []
    _, have_pid_namespace = _enter(applied, missing)
    if not have_pid_namespace:
        return applied, missing
    init = os.fork()
    if init:
        for fd in keep_fds:
            os.close(fd)
        _wait_and_exit(init, reap_all=False)
    die_with_parent(0)  # the parent lives in the outer PID namespace: seen from inside, its pid is 0
    if _mount_proc(missing):
        _mount_workdir(workdir, workdir_bytes, applied, missing)
    server = os.fork()
    if server:
        for fd in keep_fds:
            os.close(fd)
        _wait_and_exit(server, reap_all=True)
    die_with_parent(1)
    return applied, missing
