"""The limits a worker runs under, and how each is applied.

The judge decides the limits (:class:`Limits`) and how to launch the worker
(:func:`launcher_prefix`: Linux namespaces for network and process isolation where
the platform allows them).  The worker applies the rest to itself after its imports
(:func:`apply_in_worker`: rlimits, Landlock, then the seccomp filter; memory through
the submission's cgroup when the worker was put in one).  Every limit that could not be applied is reported with
the reason, never silently skipped.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
import os
import resource
import shutil
import signal
import subprocess
import sys
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.sandbox.cgroup import SubmissionCgroup

GiB = 1024**3
MiB = 1024**2


@dataclass(frozen=True)
class Limits:
    """Per-worker limits; every field can be changed from the command line."""

    request_timeout_s: float = 10.0  #: wall time for one probe before the worker is killed
    load_timeout_s: float = 10.0  #: wall time for one top-level statement of the submission
    memory_bytes: int = 4 * GiB  #: address space the student code may add to the worker
    file_size_bytes: int = 64 * MiB  #: largest file the worker may write
    max_processes: int = 64  #: processes/threads of the worker's user (effective for non-root)
    cpu_seconds: int = 600  #: total CPU time of one worker, a backstop behind the timeouts
    output_bytes: int = 20_000  #: student stdout/stderr kept for the report (each)
    output_flood_bytes: int = 8 * MiB  #: printing more than this during one request fails it
    submission_timeout_s: float = 300.0  #: wall time for all of one submission's requests and restarts

    def to_plain(self) -> dict[str, float | int]:
        return asdict(self)


@functools.lru_cache(maxsize=1)
def launcher_prefix() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Command prefix that puts the worker in new network and PID namespaces.

    Returns (prefix, applied notes, not-applied notes).  Tries util-linux
    ``unshare`` as root, then with a user namespace; falls back to no prefix.
    """
    unshare = shutil.which("unshare")
    if unshare is None:
        return (), (), ("network and process namespaces: `unshare` not found; "
                        "network is only blocked for TCP where Landlock allows it",)
    base = (unshare, "--net", "--pid", "--fork", "--kill-child", "--mount", "--mount-proc")
    for extra in ((), ("--user", "--map-root-user")):
        prefix = base[:1] + extra + base[1:]
        try:
            ok = subprocess.run(prefix + ("true",), capture_output=True, timeout=10).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        if ok:
            how = "user namespace" if extra else "root"
            return prefix, (
                f"network: own network namespace without outside interfaces ({how})",
                "processes: new PID namespace with its own /proc: the worker sees only its own processes, "
                "and every process of the submission dies with it",
            ), ()
    return (), (), ("network and process namespaces: not permitted here (needs root or user namespaces)",)


def _set(limit: int, value: int) -> None:
    soft, hard = resource.getrlimit(limit)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(limit, (value, value if hard == resource.RLIM_INFINITY else hard))


def _current_address_space() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def apply_in_worker(limits: dict[str, float | int], workdir: str, read_paths: list[str],
                    list_paths: Sequence[str] = (),
                    cgroup: SubmissionCgroup | None = None) -> tuple[list[str], list[str]]:
    """Apply resource limits, Landlock and the seccomp filter to the calling (worker) process.

    ``cgroup``: the submission's cgroup, which the caller has already joined (see
    :mod:`grader.sandbox.cgroup`).  When the calling process is in it, memory is limited
    there, for the whole submission, and no address-space limit is set (under one, CUDA
    cannot even count devices); otherwise ``RLIMIT_AS`` is the fallback, per process.
    The seccomp filter is installed last, once nothing else needs the calls it refuses.
    """
    from grader.sandbox import landlock, seccomp_filter

    seccomp_filter.load_library()  # before Landlock hides the grader's sources and ldconfig
    applied: list[str] = []
    missing: list[str] = []
    memory = int(limits["memory_bytes"])
    in_cgroup = cgroup is not None and os.getpid() in cgroup.pids()
    if cgroup is not None and in_cgroup:
        applied.append(cgroup.describe())
    else:
        if cgroup is not None:
            missing.append("memory per submission (cgroup): this process is not in the submission's cgroup; "
                           "memory is limited per process instead")
        try:
            _set(resource.RLIMIT_AS, _current_address_space() + memory)
            applied.append(f"memory: {memory / GiB:g} GiB for the submission (address-space limit)")
        except (OSError, ValueError) as exc:
            missing.append(f"memory limit: {exc}")
    try:
        _set(resource.RLIMIT_FSIZE, int(limits["file_size_bytes"]))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large write raises instead of killing
        applied.append(f"files: at most {int(limits['file_size_bytes']) // MiB} MiB each")
    except (OSError, ValueError) as exc:
        missing.append(f"file size limit: {exc}")
    try:
        _set(resource.RLIMIT_NPROC, int(limits["max_processes"]))
        if in_cgroup and cgroup is not None and cgroup.max_pids is not None:
            pass  # the cgroup's pids limit, in its note, holds for root too
        elif os.geteuid() == 0:
            missing.append("process-count limit: not enforced for root (the PID namespace still reaps every process)")
        else:
            applied.append(f"processes: at most {int(limits['max_processes'])}")
    except (OSError, ValueError) as exc:
        missing.append(f"process limit: {exc}")
    try:
        _set(resource.RLIMIT_CPU, int(limits["cpu_seconds"]))
        _set(resource.RLIMIT_CORE, 0)
    except (OSError, ValueError) as exc:
        missing.append(f"CPU limit: {exc}")

    try:
        applied.extend(landlock.restrict(read_paths, [workdir, "/dev/null"], list_paths))
    except OSError as exc:
        missing.append(f"filesystem/TCP isolation (Landlock): {exc}; reference and checks stay readable")
    filtered, unfiltered = seccomp_filter.install()
    applied.extend(filtered)
    missing.extend(unfiltered)
    return applied, missing


def worker_read_paths() -> tuple[list[str], list[str]]:
    """What the worker may still read after restriction: Python and system libraries.

    Returns (readable, list_only).  The grader's own packages (grader, reference,
    assignments) are never readable, even where a plain ``pip install .`` put them
    inside an allowed site-packages: such a directory is replaced by its other
    entries, and it and its parents stay listable so imports still find modules.
    """
    # /proc: only the worker's own entries and the machine-wide facts torch asks about,
    # never other processes' environments or command lines.
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, "/usr", "/lib", "/lib64", *ETC_READABLE,
             "/proc/self", "/proc/thread-self", "/proc/cpuinfo", "/proc/meminfo", "/proc/stat",
             "/sys", "/dev/urandom", "/dev/random", "/dev/zero", "/dev/null"}
    for entry in sys.path:
        if entry and "site-packages" in entry and os.path.isdir(entry):
            paths.add(entry)
    install_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    hidden = [os.path.join(os.path.dirname(install_root), name) for name in GRADER_PACKAGES]
    return readable_without(sorted(paths), hidden)


#: What of /etc the worker may read: what the dynamic loader, the C library, Python, numpy and
#: torch open after start-up (found with ``strace -f -e trace=openat,stat,access`` on a worker
#: that imports torch and torchvision, runs a conv net forward/backward, torch.save/load, a
#: DataLoader, tqdm, time.strftime and getpass.getuser: ld.so.cache, localtime, nsswitch.conf,
#: passwd), plus their close relatives.  Never shadow, gshadow, sudoers, ssh or ssl keys.
ETC_READABLE = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/ld.so.preload",
                "/etc/localtime", "/etc/timezone", "/etc/nsswitch.conf", "/etc/passwd", "/etc/group",
                "/etc/os-release", "/etc/mime.types")

#: Top-level packages of this project that graded code must not read.
GRADER_PACKAGES = ("grader", "reference", "assignments")


def readable_without(paths: list[str], hidden: list[str]) -> tuple[list[str], list[str]]:
    """Split ``paths`` so that nothing under ``hidden`` stays readable.

    Landlock only adds rights, and a right on a directory covers everything
    beneath it; so a readable directory above a hidden one is replaced by its
    children (recursively, down to the hidden one's parent), and each directory so
    opened up becomes list-only.
    """
    hidden = [os.path.realpath(path) for path in hidden if os.path.exists(path)]
    readable: list[str] = []
    list_only: list[str] = []

    def add(path: str) -> None:
        real = os.path.realpath(path)
        if any(real == secret or real.startswith(secret + os.sep) for secret in hidden):
            return
        if not any(secret.startswith(real.rstrip(os.sep) + os.sep) for secret in hidden):
            readable.append(path)
            return
        list_only.append(path)
        try:
            children = sorted(os.listdir(path))
        except OSError:
            return
        for child in children:
            add(os.path.join(path, child))

    for path in paths:
        add(path)
    return readable, list_only
