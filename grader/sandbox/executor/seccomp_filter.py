"""A seccomp filter for the executor: refuse the system calls a probe never needs.

Installed by the process that will run student code, on itself, after its imports and
after Landlock (:func:`grader.sandbox.executor.limits.apply_in_worker` calls :func:`install`
last).  The filter is built with libseccomp through its ctypes binding ``pyseccomp``
(no hand-written BPF).  Everything is allowed by default; the calls below fail with
``EPERM``, which student code sees as an ordinary ``PermissionError``:

- creating sockets of any family (``socket``, ``socketpair``): the executor needs only
  the descriptors it inherits, so no UNIX socket of the host, no UDP, no netlink;
- device nodes and FIFOs (``mknod``, ``mknodat``); file-flag changes through ``ioctl``
  (``FS_IOC_SETFLAGS``, e.g. ``chattr +i`` that would make cleanup silently leave a
  file, and ``FS_IOC_FSSETXATTR``);
- the kernel log (``syslog``), host and domain names, real-time scheduling, SysV IPC
  (objects that outlive the process), ``bpf``, ``perf_event_open``, ``ptrace`` and
  ``process_vm_readv/writev``, file handles, mounts and namespaces (``mount``,
  ``unshare``, ``setns``, and ``clone`` with a ``CLONE_NEW*`` flag), keyrings, kernel
  modules, ``kexec``, ``reboot``, swap, accounting, quotas, ``userfaultfd``, io_uring.

``clone3`` answers ``ENOSYS`` (its flags live in memory, out of a filter's reach), so
the C library falls back to ``clone``, whose flags are checked.  System calls of a
foreign architecture (32-bit ``int 0x80`` on x86_64) kill the process.  The filter
covers every thread of the process (``TSYNC``) and every process it starts.
"""

from __future__ import annotations

import errno
import sys

from grader.sandbox.common.features import disabled, note

#: Denied outright (EPERM).  Names absent on this architecture (``mknod`` on aarch64) need no rule;
#: names this libseccomp does not know are skipped and reported.
DENIED = (
    "socket", "socketpair",
    "mknod", "mknodat",
    "syslog", "sethostname", "setdomainname",
    "sched_setscheduler", "sched_setparam", "sched_setattr",
    "shmget", "shmat", "shmctl", "semget", "semop", "semtimedop", "semctl",
    "msgget", "msgsnd", "msgrcv", "msgctl",
    "bpf", "perf_event_open", "ptrace", "process_vm_readv", "process_vm_writev",
    "open_by_handle_at", "name_to_handle_at",
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
    "fsopen", "fsmount", "fsconfig", "move_mount", "open_tree", "mount_setattr",
    "keyctl", "add_key", "request_key",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "reboot", "swapon", "swapoff", "acct", "quotactl", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
)

#: ioctl requests denied (file flags: immutable/append-only; extended file attributes).
FS_IOC_SETFLAGS = 0x40086602  # _IOW('f', 2, long)
FS_IOC32_SETFLAGS = 0x40046602  # _IOW('f', 2, int)
FS_IOC_FSSETXATTR = 0x401C5820  # _IOW('X', 32, struct fsxattr)
DENIED_IOCTLS = {"FS_IOC_SETFLAGS": FS_IOC_SETFLAGS, "FS_IOC32_SETFLAGS": FS_IOC32_SETFLAGS,
                 "FS_IOC_FSSETXATTR": FS_IOC_FSSETXATTR}

#: clone flags that create namespaces (CLONE_NEWNS … CLONE_NEWNET, CLONE_NEWTIME).
CLONE_NEW_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000,
                   0x40000000, 0x00000080)


#: What importing pyseccomp raises where libseccomp is missing (RuntimeError: "Unable to find libseccomp").
#: Anything else (TypeError where ``ctypes.CDLL(None)`` is refused, AttributeError for a libc without
#: ``free``) is reported with its type.
_LOAD_ERRORS = (ImportError, RuntimeError, OSError)


def _denied_names(seccomp) -> tuple[list[int], list[str]]:  # type: ignore[no-untyped-def]
    numbers, unknown = [], []
    for name in DENIED:
        number = seccomp.resolve_syscall(seccomp.Arch.NATIVE, name)
        if number == -1:  # __NR_SCMP_ERROR: libseccomp does not know the name
            unknown.append(name)
        elif number >= 0:  # (a pseudo number < -1: the call does not exist on this architecture)
            numbers.append(number)
    return numbers, unknown


def load_library() -> None:
    """Import ``pyseccomp`` (which finds and loads libseccomp) now, while the filesystem is open.

    :func:`install` calls it too; call it earlier when Landlock comes in between."""
    try:
        import pyseccomp  # noqa: F401
    except Exception:  # noqa: BLE001 - whatever loading libseccomp raised: install() reports it
        pass


def install() -> tuple[list[str], list[str]]:
    """Install the filter in the calling process.  Returns (applied notes, not-applied notes).

    Never raises: when libseccomp, ``pyseccomp`` or the kernel's seccomp is missing the
    reason is the one not-applied note, and nothing is installed.
    """
    if disabled("seccomp"):
        return [], [f"system-call filter (seccomp): not available ({note('seccomp')}); sockets, device nodes, "
                    "SysV IPC and the kernel log stay reachable"]
    if not sys.platform.startswith("linux"):
        return [], ["system-call filter (seccomp): not available on this system (Linux only); sockets, device "
                    "nodes, SysV IPC and the kernel log stay reachable"]
    try:
        import pyseccomp as seccomp
    except Exception as exc:  # noqa: BLE001 - pyseccomp loads libc and libseccomp through ctypes at import
        reason = exc if isinstance(exc, _LOAD_ERRORS) else f"{type(exc).__name__}: {exc}"
        return [], [f"system-call filter (seccomp): not available ({reason}); sockets, device nodes, "
                    "SysV IPC and the kernel log stay reachable"]
    try:
        deny = seccomp.ERRNO(errno.EPERM)
        flt = seccomp.SyscallFilter(seccomp.ALLOW)
        try:
            flt.set_attr(seccomp.Attr.ACT_BADARCH, seccomp.KILL_PROCESS)
        except OSError:
            pass  # older libseccomp: the default (kill the thread) still refuses foreign calls
        try:
            flt.set_attr(seccomp.Attr.CTL_TSYNC, 1)
            every_thread = True
        except OSError:
            every_thread = False
        numbers, unknown = _denied_names(seccomp)
        for number in numbers:
            flt.add_rule(deny, number)
        ioctl = seccomp.resolve_syscall(seccomp.Arch.NATIVE, "ioctl")
        for request in DENIED_IOCTLS.values():
            # the kernel reads the request as a 32-bit int: compare only the low 32 bits
            flt.add_rule(deny, ioctl, seccomp.Arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, request))
        clone = seccomp.resolve_syscall(seccomp.Arch.NATIVE, "clone")
        namespaces_note = ""
        if clone >= 0:  # flags are the first argument on x86_64 and aarch64 (not on s390)
            for flag in CLONE_NEW_FLAGS:
                flt.add_rule(deny, clone, seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
            clone3 = seccomp.resolve_syscall(seccomp.Arch.NATIVE, "clone3")
            if clone3 >= 0:
                flt.add_rule(seccomp.ERRNO(errno.ENOSYS), clone3)
            namespaces_note = " (clone included)"
        flt.load()
    except OSError as exc:
        return [], [f"system-call filter (seccomp): could not be installed ({exc}); sockets, device "
                    "nodes, SysV IPC and the kernel log stay reachable"]
    applied = [
        "system calls (seccomp): no new sockets of any family (UNIX, UDP, netlink…), no device nodes or "
        "FIFOs, no file-flag changes (chattr), no SysV IPC, no kernel log, no host name, no real-time "
        f"scheduling, no ptrace/bpf/perf, no mounts or namespaces{namespaces_note}, no keyrings or "
        f"kernel modules ({len(numbers)} calls and {len(DENIED_IOCTLS)} ioctls refused"
        + ("" if every_thread else "; threads started before the filter are not covered") + ")"]
    missing = []
    if unknown:
        missing.append("system calls (seccomp): unknown to this libseccomp, so not filtered: "
                       + ", ".join(unknown))
    return applied, missing
