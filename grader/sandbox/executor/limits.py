"""How an executor applies its limits to itself, after its imports.

:func:`apply_in_worker`: rlimits, Landlock, then the seccomp filter; memory through the
submission's cgroup when the executor was put in one.  What the limits are is the judge's
decision (:class:`grader.sandbox.common.limits.Limits`, sent as plain data).  Every limit that
could not be applied is reported with the reason, never silently skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
import os
import signal
import sys
from typing import TYPE_CHECKING

try:
    import resource
except ImportError:  # Windows: no rlimits at all, each reported as not applied
    resource = None  # type: ignore[assignment]

import grader
from grader.sandbox.common.limits import GiB, MiB

if TYPE_CHECKING:
    from grader.sandbox.common.cgroup import SubmissionCgroup


def _rlimit(name: str) -> int:
    """``resource.<name>``; OSError, whose text is the not-applied note, where this system has no such limit."""
    if resource is None:
        raise OSError("not available on this system (no `resource` module, Windows)")
    if not hasattr(resource, name):
        raise OSError(f"not available on this system (no resource.{name})")
    return int(getattr(resource, name))


def _set(limit: int, value: int) -> None:
    soft, hard = resource.getrlimit(limit)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(limit, (value, value if hard == resource.RLIM_INFINITY else hard))


#: Where Linux says how much address space the process has reserved already (VmSize); not on macOS or Windows.
_STATUS = "/proc/self/status"


def _current_address_space() -> int:
    try:
        status = open(_STATUS)
    except FileNotFoundError:
        raise OSError(f"not available on this system (no {_STATUS} to measure the address space already "
                      "in use)") from None
    with status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _root_on_the_host() -> bool:
    """Is this process root outside its user namespace?  Only that root escapes ``RLIMIT_NPROC``; an
    ordinary user mapped to uid 0 inside its own namespace is still held to it."""
    if not hasattr(os, "geteuid"):
        return False
    uid = os.geteuid()
    try:
        with open("/proc/self/uid_map") as mapping:
            for line in mapping:
                inside, outside, count = (int(field) for field in line.split())
                if inside <= uid < inside + count:
                    return outside + uid - inside == 0
    except (OSError, ValueError):
        pass
    return uid == 0


#: Address space an executor under a cgroup may reserve, as a multiple of the submission's memory limit.
VIRTUAL_BACKSTOP_FACTOR = 4


def apply_in_worker(limits: dict[str, float | int], workdir: str, read_paths: list[str],
                    list_paths: Sequence[str] = (),
                    cgroup: SubmissionCgroup | None = None) -> tuple[list[str], list[str]]:
    """Apply resource limits, Landlock and the seccomp filter to the calling (worker) process.

    ``cgroup``: the submission's cgroup, which the caller has already joined (see
    :mod:`grader.sandbox.common.cgroup`).  When the calling process is in it, memory is limited
    there, for the whole submission, and no address-space limit is set (under one, CUDA
    cannot even count devices); otherwise ``RLIMIT_AS`` is the fallback, per process.
    The seccomp filter is installed last, once nothing else needs the calls it refuses.
    """
    from grader.sandbox.executor import landlock, seccomp_filter

    seccomp_filter.load_library()  # before Landlock hides the grader's sources and ldconfig
    applied: list[str] = []
    missing: list[str] = []
    memory = int(limits["memory_bytes"])
    in_cgroup = cgroup is not None and os.getpid() in cgroup.pids()
    gpu = bool(limits.get("gpu", False))
    if gpu:
        # CUDA fails in cudaGetDeviceCount under any address-space limit: a GPU executor has only the cgroup.
        if cgroup is not None and in_cgroup:
            applied.append(cgroup.describe())
        else:
            missing.append("memory limit: none (a GPU executor cannot have an address-space limit and this "
                           "process is not in the submission's cgroup)")
    elif cgroup is not None and in_cgroup:
        applied.append(cgroup.describe())
        # The cgroup counts memory used, not reserved: a loop of untouched allocations would reserve
        # address space without end before anything counted.  A generous address-space backstop turns
        # it into a MemoryError at once (an executor that needs CUDA must not get it: CUDA reserves more).
        try:
            _set(_rlimit("RLIMIT_AS"), _current_address_space() + VIRTUAL_BACKSTOP_FACTOR * memory)
        except (OSError, ValueError) as exc:
            missing.append(f"address-space backstop: {exc}")
    else:
        if cgroup is not None:
            missing.append("memory per submission (cgroup): this process is not in the submission's cgroup; "
                           "memory is limited per process instead")
        try:
            if resource is None and os.name == "nt":
                from grader.sandbox.common import windows_job

                windows_job.limit_own_memory(memory)
                applied.append(f"memory: {memory / GiB:g} GiB for each executor beyond what it held at start "
                               "(Windows job object)")
            else:
                _set(_rlimit("RLIMIT_AS"), _current_address_space() + memory)
                applied.append(f"memory: {memory / GiB:g} GiB for the submission (address-space limit)")
        except (OSError, ValueError) as exc:
            missing.append(f"memory limit: {exc}")
    try:
        _set(_rlimit("RLIMIT_FSIZE"), int(limits["file_size_bytes"]))
        if hasattr(signal, "SIGXFSZ"):  # a too-large write raises instead of killing
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        applied.append(f"files: at most {int(limits['file_size_bytes']) // MiB} MiB each")
    except (OSError, ValueError) as exc:
        missing.append(f"file size limit: {exc}")
    try:
        _set(_rlimit("RLIMIT_NPROC"), int(limits["max_processes"]))
        if in_cgroup and cgroup is not None and cgroup.max_pids is not None:
            pass  # the cgroup's pids limit, in its note, holds for root too
        elif _root_on_the_host():
            missing.append("process-count limit: not enforced for root (the kernel exempts it; a PID namespace, "
                           "where applied, still ends every process with the executor)")
        else:
            applied.append(f"processes: at most {int(limits['max_processes'])}")
    except (OSError, ValueError) as exc:
        missing.append(f"process limit: {exc}")
    try:
        _set(_rlimit("RLIMIT_CPU"), int(limits["cpu_seconds"]))
        _set(_rlimit("RLIMIT_CORE"), 0)
    except (OSError, ValueError) as exc:
        missing.append(f"CPU limit: {exc}")

    try:
        devices = gpu_device_nodes() if gpu else []
        applied.extend(landlock.restrict(read_paths, [workdir, "/dev/null", *devices], list_paths))
        if devices:
            applied.append(f"GPU: the driver's device nodes ({', '.join(devices)}) are open to the student code")
    except OSError as exc:
        missing.append(f"filesystem/TCP isolation (Landlock): {exc}; reference and checks stay readable")
    filtered, unfiltered = seccomp_filter.install()
    applied.extend(filtered)
    missing.extend(unfiltered)
    return applied, missing


def gpu_device_nodes() -> list[str]:
    """The NVIDIA driver's device nodes a CUDA process opens read-write (control, unified memory, GPUs)."""
    import glob

    return sorted(glob.glob("/dev/nvidia*"))


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
    project_root = os.path.dirname(os.path.dirname(os.path.abspath(grader.__file__)))
    hidden = [os.path.join(project_root, name) for name in GRADER_PACKAGES]
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
