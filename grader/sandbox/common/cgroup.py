"""Memory and process count per submission, through a cgroup.

An address-space limit (``RLIMIT_AS``) is per process, counts reserved rather than
used memory, and is inherited by every child, each of which then gets its own full
allowance.  A cgroup counts the memory actually used by *all* processes of a
submission together (every per-item executor, and everything they start), and the
number of processes and threads too.  It is also the only route for GPU checks: under
an address-space limit CUDA cannot even count the devices (``cudaGetDeviceCount``
fails with "out of memory", measured on an H200 machine), because the CUDA driver
reserves very large virtual ranges; a cgroup counts resident memory only.

cgroup v2 is used when the grader's own cgroup in a mounted unified hierarchy offers
the ``memory`` controller; otherwise cgroup v1's ``memory`` and ``pids`` hierarchies.
The submission's cgroup is created beneath the grader's own cgroup, so whatever
limits the grader's container has still hold.  Swap cannot be used to escape the
limit (``memory.swap.max = 0`` on v2, ``memory.memsw.limit_in_bytes`` equal to the
memory limit on v1).  When the limit is reached the kernel's OOM killer kills one
process of the submission (SIGKILL); :meth:`SubmissionCgroup.oom_kills` then tells
the judge that a SIGKILL it sees was "out of memory".

Usage, in the judge (cgroup files are written by the judge, never by student code)::

    group, note = SubmissionCgroup.create(limits.memory_bytes, limits.max_processes)
    # group is None when unavailable, and ``note`` says why (report it as not applied)
    pid = os.fork()
    if pid == 0:
        group.join_self()          # in the child, before apply_in_worker(..., cgroup=group):
        ...                        # afterwards Landlock forbids writing the cgroup files, and
                                   # inside a user namespace the child may no longer be allowed to
    # or, from the parent: group.join(pid) while the child waits (e.g. on a pipe) before going on
    ...
    if group.oom_kills() > before: ...   # the SIGKILL was the memory limit
    group.close()                  # kills whatever is left, removes the cgroup

Pages an executor shares copy-on-write with its zygote (torch's libraries and
imports) stay charged to the zygote's cgroup: the limit counts what the submission
adds.  The files are created by root or by a user to whom the hierarchy was
delegated (``systemd-run --user --scope -p Delegate=yes``).
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import secrets
import signal
import sys
import time
from dataclasses import dataclass, field

from grader.sandbox.common.features import disabled, note

GiB = 1024**3
_counter = itertools.count()


def _read(path: str) -> str:
    with open(path) as handle:
        return handle.read()


def _write(path: str, value: str) -> None:
    with open(path, "w") as handle:
        handle.write(value)


def _mounts() -> tuple[str | None, dict[str, tuple[str, str]]]:
    """(v2 mount point or None, {v1 controller: (mount point, mount root)}) from mountinfo."""
    unified: str | None = None
    v1: dict[str, tuple[str, str]] = {}
    try:
        lines = _read("/proc/self/mountinfo").splitlines()
    except OSError:
        return None, {}
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, after = left.split(), right.split()
        if len(fields) < 5 or len(after) < 3:
            continue
        root, mount_point, fstype, options = fields[3], fields[4], after[0], after[2].split(",")
        if fstype == "cgroup2" and unified is None and root == "/":
            unified = mount_point
        elif fstype == "cgroup":
            for controller in ("memory", "pids"):
                if controller in options and controller not in v1:
                    v1[controller] = (mount_point, root)
    return unified, v1


def _own_paths() -> dict[str, str]:
    """{controller or "" for v2: path of this process's cgroup} from /proc/self/cgroup."""
    paths: dict[str, str] = {}
    try:
        lines = _read("/proc/self/cgroup").splitlines()
    except OSError:
        return paths
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths


def _beneath(mount_point: str, mount_root: str, path: str) -> str:
    if mount_root != "/" and path.startswith(mount_root):
        path = path[len(mount_root):]
    return os.path.join(mount_point, path.lstrip("/"))


@dataclass
class SubmissionCgroup:
    """One submission's cgroup: every process joined to it shares one memory and process budget."""

    version: int  #: 1 or 2
    directories: dict[str, str]  #: {"memory": dir, "pids": dir} on v1; {"": dir} on v2
    memory_bytes: int
    max_pids: int | None  #: None when the pids controller is unavailable
    _closed: bool = field(default=False, repr=False)

    # -- creation -----------------------------------------------------------------
    @classmethod
    def create(cls, memory_bytes: int, max_pids: int,
               name: str | None = None) -> tuple[SubmissionCgroup | None, str]:
        """Create a cgroup limited to ``memory_bytes`` (swap excluded) and ``max_pids`` tasks.

        Returns (the cgroup, a note saying what holds) or (None, why it could not be made).
        Never raises.
        """
        if disabled("cgroup"):
            return None, f"memory per submission (cgroup): not available ({note('cgroup')})"
        if not sys.platform.startswith("linux"):
            return None, "memory per submission (cgroup): not available on this system (Linux only)"
        # the pid alone is not unique: other PID namespaces may share the hierarchy
        name = name or f"grader-{os.getpid()}-{next(_counter)}-{secrets.token_hex(3)}"
        unified, v1 = _mounts()
        own = _own_paths()
        reasons: list[str] = []
        if unified is not None and "" in own:
            try:
                return cls._create_v2(_beneath(unified, "/", own[""]), name, memory_bytes, max_pids)
            except OSError as exc:
                reasons.append(f"cgroup v2 at {unified}: {exc.strerror or exc}")
        else:
            reasons.append("no cgroup v2 hierarchy")
        if "memory" in v1 and "memory" in own:
            try:
                return cls._create_v1(v1, own, name, memory_bytes, max_pids)
            except OSError as exc:
                reasons.append(f"cgroup v1: {exc.strerror or exc}")
        else:
            reasons.append("no cgroup v1 memory hierarchy")
        return None, "memory per submission (cgroup): not available (" + "; ".join(reasons) + ")"

    @classmethod
    def _create_v2(cls, parent: str, name: str, memory_bytes: int,
                   max_pids: int) -> tuple[SubmissionCgroup, str]:
        available = _read(os.path.join(parent, "cgroup.controllers")).split()
        if "memory" not in available:
            raise OSError(errno.ENOTSUP, f"the memory controller is not offered to {parent} "
                          f"(offered: {' '.join(available) or 'none'})")
        wanted = ["memory"] + (["pids"] if "pids" in available else [])
        enabled = _read(os.path.join(parent, "cgroup.subtree_control")).split()
        missing = [c for c in wanted if c not in enabled]
        if missing:
            _enable_v2(parent, missing)
        directory = os.path.join(parent, name)
        os.mkdir(directory)
        group = cls(2, {"": directory}, memory_bytes, max_pids if "pids" in wanted else None)
        try:
            _write(os.path.join(directory, "memory.max"), str(memory_bytes))
            swap = os.path.join(directory, "memory.swap.max")
            if os.path.exists(swap):
                _write(swap, "0")
            if group.max_pids is not None:
                _write(os.path.join(directory, "pids.max"), str(max_pids))
        except OSError:
            group.close()
            raise
        return group, group.describe()

    @classmethod
    def _create_v1(cls, mounts: dict[str, tuple[str, str]], own: dict[str, str], name: str,
                   memory_bytes: int, max_pids: int) -> tuple[SubmissionCgroup, str]:
        directories = {}
        for controller in ("memory", "pids"):
            if controller in mounts and controller in own:
                directories[controller] = os.path.join(_beneath(*mounts[controller], own[controller]), name)
        group = cls(1, {}, memory_bytes, max_pids if "pids" in directories else None)
        try:
            for controller, directory in directories.items():
                os.mkdir(directory)
                group.directories[controller] = directory
            memory = directories["memory"]
            _write(os.path.join(memory, "memory.limit_in_bytes"), str(memory_bytes))
            memsw = os.path.join(memory, "memory.memsw.limit_in_bytes")
            if os.path.exists(memsw):  # memory + swap: equal to the memory limit, so no swap
                _write(memsw, str(memory_bytes))
            with contextlib.suppress(OSError):
                _write(os.path.join(memory, "memory.swappiness"), "0")
            if group.max_pids is not None:
                _write(os.path.join(directories["pids"], "pids.max"), str(max_pids))
        except OSError:
            group.close()
            raise
        return group, group.describe()

    def to_plain(self) -> dict[str, object]:
        """JSON-able form, for a process started with exec rather than fork (see :meth:`from_plain`)."""
        return {"version": self.version, "directories": dict(self.directories),
                "memory_bytes": self.memory_bytes, "max_pids": self.max_pids}

    @classmethod
    def from_plain(cls, plain: dict[str, object]) -> SubmissionCgroup:
        return cls(int(plain["version"]), dict(plain["directories"]), int(plain["memory_bytes"]),  # type: ignore[arg-type,call-overload]
                   None if plain["max_pids"] is None else int(plain["max_pids"]))  # type: ignore[call-overload]

    def describe(self) -> str:
        pids = f", at most {self.max_pids} processes and threads" if self.max_pids is not None else \
            " (no pids controller: process count per process only)"
        return (f"memory: {self.memory_bytes / GiB:g} GiB for the submission, all its processes together, "
                f"no swap{pids} (cgroup v{self.version})")

    # -- membership ---------------------------------------------------------------
    def join(self, pid: int) -> None:
        """Move process ``pid`` (all its threads) into the cgroup.  Raises OSError on failure."""
        for directory in self.directories.values():
            _write(os.path.join(directory, "cgroup.procs"), str(pid))

    def join_self(self) -> None:
        """Move the calling process into the cgroup (a forked child, before student code)."""
        self.join(os.getpid())

    def pids(self) -> list[int]:
        """Processes in the cgroup now."""
        found: set[int] = set()
        for directory in self.directories.values():
            with contextlib.suppress(OSError):
                found.update(int(pid) for pid in _read(os.path.join(directory, "cgroup.procs")).split())
        return sorted(found)

    # -- what happened ------------------------------------------------------------
    def memory_events(self) -> dict[str, int]:
        """Counters of memory events: ``oom_kill`` (processes killed for memory), ``max`` (times the
        limit was reached), and on v2 ``oom``, ``high``, ``low``; on v1 ``under_oom``."""
        events: dict[str, int] = {}
        if self.version == 2:
            with contextlib.suppress(OSError):
                for line in _read(os.path.join(self.directories[""], "memory.events")).splitlines():
                    key, _, value = line.partition(" ")
                    events[key] = int(value)
        else:
            memory = self.directories.get("memory", "")
            with contextlib.suppress(OSError):
                for line in _read(os.path.join(memory, "memory.oom_control")).splitlines():
                    key, _, value = line.partition(" ")
                    if key in ("oom_kill", "under_oom"):
                        events[key] = int(value)
            for name in ("memory.failcnt", "memory.memsw.failcnt"):
                with contextlib.suppress(OSError, ValueError):
                    events["max"] = max(events.get("max", 0), int(_read(os.path.join(memory, name))))
        return events

    def oom_kills(self) -> int:
        """How many processes of the submission the kernel killed for memory so far."""
        return self.memory_events().get("oom_kill", 0)

    def pids_refused(self) -> int:
        """How many times creating a process or thread was refused by the process-count limit."""
        directory = self.directories.get("" if self.version == 2 else "pids")
        if directory is None:
            return 0
        with contextlib.suppress(OSError, ValueError):
            for line in _read(os.path.join(directory, "pids.events")).splitlines():
                key, _, value = line.partition(" ")
                if key == "max":
                    return int(value)
        return 0

    def memory_peak(self) -> int | None:
        """Largest memory use of the submission so far, in bytes (None where the kernel does not say)."""
        name, directory = (("memory.peak", self.directories[""]) if self.version == 2
                           else ("memory.max_usage_in_bytes", self.directories.get("memory", "")))
        with contextlib.suppress(OSError, ValueError):
            return int(_read(os.path.join(directory, name)))
        return None

    # -- the end --------------------------------------------------------------------
    def kill(self) -> None:
        """SIGKILL every process in the cgroup (no new one can start meanwhile)."""
        for directory in self.directories.values():  # a fork bomb cannot outrun the kill
            with contextlib.suppress(OSError):
                if os.path.exists(os.path.join(directory, "pids.max")):
                    _write(os.path.join(directory, "pids.max"), "0")
        if self.version == 2:
            with contextlib.suppress(OSError):
                _write(os.path.join(self.directories[""], "cgroup.kill"), "1")
        for pid in self.pids():
            if pid != os.getpid():
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)  # only on Linux: elsewhere no cgroup is ever created

    def close(self, timeout_s: float = 5.0) -> bool:
        """Kill everything left and remove the cgroup; True when it is gone.  Safe to call twice.

        The caller should still reap its own children (a killed child is a zombie until
        waited for, but a zombie no longer counts as a member)."""
        if self._closed:
            return True
        deadline = time.monotonic() + timeout_s
        remaining = dict(self.directories)
        while remaining:
            self.kill()
            for key, directory in list(remaining.items()):
                try:
                    os.rmdir(directory)
                except FileNotFoundError:
                    pass
                except OSError:
                    continue
                del remaining[key]
            if not remaining or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        self._closed = not remaining
        return self._closed

    def __enter__(self) -> SubmissionCgroup:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _enable_v2(parent: str, controllers: list[str]) -> None:
    """Enable ``controllers`` for the children of ``parent``.

    cgroup v2 refuses that while ``parent`` (not the root) holds processes ("no internal
    processes").  When the only process there is this one, it moves itself into a leaf
    ``parent/grader-judge`` first, as a delegated scope would; otherwise it gives up."""
    control = os.path.join(parent, "cgroup.subtree_control")
    change = " ".join(f"+{c}" for c in controllers)
    try:
        _write(control, change)
        return
    except OSError as exc:
        if exc.errno != errno.EBUSY:
            raise
    members = [int(pid) for pid in _read(os.path.join(parent, "cgroup.procs")).split()]
    if members != [os.getpid()]:
        raise OSError(errno.EBUSY, f"{parent} holds other processes, so it cannot delegate the memory "
                      "controller; run the grader in a cgroup of its own (e.g. systemd-run --scope -p Delegate=yes)")
    leaf = os.path.join(parent, "grader-judge")
    with contextlib.suppress(FileExistsError):
        os.mkdir(leaf)
    _write(os.path.join(leaf, "cgroup.procs"), str(os.getpid()))
    _write(control, change)
