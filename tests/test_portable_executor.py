"""The executor side on macOS and Windows, simulated on Linux: every module imports, and every limit it
cannot apply there is one "not applied" note instead of an exception.

Each piece those systems lack is taken away here (an attribute deleted, a module made unimportable, /proc
made unreadable, a C library without the function or none at all), one at a time in this process, and all
together in a subprocess that then calls what an executor calls.  Nothing here applies a real limit to the
test process: rlimits go to a fake ``resource`` module, Landlock and seccomp are stubbed or find no library.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from grader.sandbox.common import cgroup as cgroup_module, features
from grader.sandbox.common.limits import Limits
from grader.sandbox.executor import landlock, leftovers, libc as libc_module, limits, namespaces, seccomp_filter

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _features_on(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv(features.ENV, raising=False)
    loader = libc_module.libc  # (a test may replace it)
    loader.cache_clear()
    yield
    loader.cache_clear()


def _refuse_cdll(monkeypatch: pytest.MonkeyPatch, error: type[Exception] = TypeError) -> None:
    """``ctypes.CDLL(None)`` as on Windows (TypeError), or a loader that fails (OSError)."""
    real = ctypes.CDLL

    def cdll(name: Any, *args: Any, **kwargs: Any) -> Any:
        if name is None:
            raise error("simulated: no C library")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(ctypes, "CDLL", cdll)
    libc_module.libc.cache_clear()


# -- libc -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("error", [TypeError, OSError])
def test_no_c_library_is_none(monkeypatch: pytest.MonkeyPatch, error: type[Exception]) -> None:
    _refuse_cdll(monkeypatch, error)
    assert libc_module.libc() is None


def test_the_c_library_is_loaded_once() -> None:
    assert libc_module.libc() is libc_module.libc() is not None


# -- limits: rlimits --------------------------------------------------------------------------------

class FakeResource(types.SimpleNamespace):
    """A ``resource`` module that records the limits set, and refuses those in ``refuse``."""

    RLIM_INFINITY = -1

    def __init__(self, refuse: tuple[str, ...] = (), without: tuple[str, ...] = ()) -> None:
        names = [n for n in ("RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_NPROC", "RLIMIT_CPU", "RLIMIT_CORE")
                 if n not in without]
        super().__init__(**{name: number for number, name in enumerate(names)})
        self.names = {number: name for number, name in enumerate(names)}
        self.refuse = refuse
        self.set: dict[str, int] = {}

    def getrlimit(self, limit: int) -> tuple[int, int]:
        return -1, -1

    def setrlimit(self, limit: int, values: tuple[int, int]) -> None:
        if self.names[limit] in self.refuse:
            raise ValueError("not allowed to raise maximum limit")
        self.set[self.names[limit]] = values[0]


@pytest.fixture
def no_landlock_or_seccomp(monkeypatch: pytest.MonkeyPatch) -> None:
    """apply_in_worker's rlimits only: Landlock and seccomp would lock down the test process."""
    monkeypatch.setattr(landlock, "restrict", lambda *a, **k: [])
    monkeypatch.setattr(seccomp_filter, "install", lambda: ([], []))
    monkeypatch.setattr(seccomp_filter, "load_library", lambda: None)


def _apply() -> tuple[list[str], list[str]]:
    return limits.apply_in_worker(Limits().to_plain(), "/tmp", [], [])


def test_without_resource_each_rlimit_is_not_applied(monkeypatch: pytest.MonkeyPatch,
                                                      no_landlock_or_seccomp: None) -> None:
    monkeypatch.setattr(limits, "resource", None)
    applied, missing = _apply()
    assert applied == []
    assert missing == [f"{what}: not available on this system (no `resource` module, Windows)"
                       for what in ("memory limit", "file size limit", "process limit", "CPU limit")]


def test_without_proc_memory_is_not_applied_and_the_rest_still_is(monkeypatch: pytest.MonkeyPatch,
                                                                   no_landlock_or_seccomp: None,
                                                                   tmp_path: Path) -> None:
    """macOS: ``resource`` but no /proc/self/status, no os.geteuid (as on Windows), no SIGXFSZ."""
    fake = FakeResource()
    monkeypatch.setattr(limits, "resource", fake)
    monkeypatch.setattr(limits, "_STATUS", str(tmp_path / "no-proc" / "status"))
    monkeypatch.delattr(os, "geteuid")
    monkeypatch.delattr(signal, "SIGXFSZ")
    applied, missing = _apply()
    assert missing == ["memory limit: not available on this system (no "
                       f"{tmp_path / 'no-proc' / 'status'} to measure the address space already in use)"]
    assert applied == ["files: at most 64 MiB each", "processes: at most 64"]
    assert fake.set == {"RLIMIT_FSIZE": 64 * 2**20, "RLIMIT_NPROC": 64, "RLIMIT_CPU": 600, "RLIMIT_CORE": 0}


def test_a_refused_address_space_limit_is_reported(monkeypatch: pytest.MonkeyPatch,
                                                   no_landlock_or_seccomp: None) -> None:
    """macOS may refuse RLIMIT_AS (and RLIMIT_NPROC): the note says so, the other limits still apply."""
    fake = FakeResource(refuse=("RLIMIT_AS", "RLIMIT_NPROC"))
    monkeypatch.setattr(limits, "resource", fake)
    applied, missing = _apply()
    assert missing == ["memory limit: not allowed to raise maximum limit",
                       "process limit: not allowed to raise maximum limit"]
    assert applied == ["files: at most 64 MiB each"] and set(fake.set) == {"RLIMIT_FSIZE", "RLIMIT_CPU", "RLIMIT_CORE"}


def test_an_rlimit_this_system_lacks_is_named(monkeypatch: pytest.MonkeyPatch, no_landlock_or_seccomp: None) -> None:
    monkeypatch.setattr(limits, "resource", FakeResource(without=("RLIMIT_NPROC",)))
    monkeypatch.setattr(limits, "_current_address_space", lambda: 0)
    _, missing = _apply()
    assert missing == ["process limit: not available on this system (no resource.RLIMIT_NPROC)"]


# -- namespaces -------------------------------------------------------------------------------------

def _no_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    def fork() -> int:
        raise AssertionError("isolate forked although no namespace applied")

    monkeypatch.setattr(os, "fork", fork)


@pytest.mark.parametrize("c_library", [None, object()], ids=["no libc (Windows)", "libc without unshare (macOS)"])
def test_namespaces_without_unshare_are_one_note_and_no_fork(monkeypatch: pytest.MonkeyPatch,
                                                             c_library: object) -> None:
    monkeypatch.setattr(namespaces, "_libc", c_library)
    monkeypatch.delattr(os, "geteuid")
    monkeypatch.delattr(os, "getegid")
    _no_fork(monkeypatch)
    applied, missing = namespaces.isolate((), "/tmp", 2**20)
    assert applied == []
    assert missing == ["user, network, PID, IPC and UTS namespaces: not available on this system (its C library "
                       "has no unshare: Linux only); the executor shares the host's network and process table"]


def test_die_with_parent_without_prctl_or_sigkill(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(namespaces, "_libc", None)
    monkeypatch.delattr(signal, "SIGKILL")
    namespaces.die_with_parent(os.getppid())  # returns


def test_namespaces_import_where_the_c_library_cannot_be_loaded() -> None:
    code = ("import ctypes\n"
            "def refuse(name, *a, **k):\n"
            "    raise TypeError('simulated')\n"
            "ctypes.CDLL = refuse\n"
            "from grader.sandbox.executor import namespaces\n"
            "print(namespaces._libc)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "None"


# -- leftovers --------------------------------------------------------------------------------------

def test_no_subreaper_without_a_c_library(monkeypatch: pytest.MonkeyPatch) -> None:
    _refuse_cdll(monkeypatch)
    assert leftovers.become_subreaper() is False


def test_no_subreaper_with_a_c_library_without_prctl(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(leftovers, "libc", lambda: object())
    assert leftovers.become_subreaper() is False
    monkeypatch.setattr("sys.platform", "darwin")
    assert leftovers.adoption_notes() == ["orphaned processes: not adopted by the worker (Linux only, this is "
                                          "darwin); a double fork is not seen as left running"]
    monkeypatch.delattr(os, "WNOHANG")
    assert "not seen on this system (Windows)" in leftovers.adoption_notes()[0]


def test_children_are_not_looked_for_without_wnohang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "WNOHANG")

    def waitpid(*args: Any) -> Any:
        raise AssertionError("waitpid(-1, …) called without os.WNOHANG")

    monkeypatch.setattr(os, "waitpid", waitpid)
    assert leftovers.running_children() is False
    assert leftovers.what_was_left(leftovers.descriptor_identities((0, 1, 2)), ()) == []


# -- landlock, seccomp, cgroup ----------------------------------------------------------------------

def test_landlock_outside_linux_never_calls_syscall(monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS's libSystem has a ``syscall``, with other numbers: Landlock must not call it."""
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(libc_module, "libc", lambda: pytest.fail("libc() asked for outside Linux"))
    assert landlock.abi_version() == 0
    with pytest.raises(OSError, match=r"Landlock is not available on this system \(Linux only\)"):
        landlock.restrict(["/usr"], ["/tmp"])


def test_landlock_without_a_c_library(monkeypatch: pytest.MonkeyPatch) -> None:
    _refuse_cdll(monkeypatch)
    assert landlock.abi_version() == 0
    with pytest.raises(OSError, match="Linux only"):
        landlock.restrict(["/usr"], ["/tmp"])


def test_seccomp_outside_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    assert seccomp_filter.install() == ([], [
        "system-call filter (seccomp): not available on this system (Linux only); sockets, device nodes, "
        "SysV IPC and the kernel log stay reachable"])


@pytest.mark.parametrize("error, shown", [
    (TypeError("simulated: CDLL(None)"), "TypeError: simulated: CDLL(None)"),  # Windows: find_library("c") is None
    (AttributeError("function 'free' not found"), "AttributeError: function 'free' not found"),
    (RuntimeError("Unable to find libseccomp"), "Unable to find libseccomp"),  # as today on Linux
])
def test_seccomp_reports_whatever_loading_pyseccomp_raises(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                            error: Exception, shown: str) -> None:
    (tmp_path / "pyseccomp.py").write_text(f"raise {error!r}\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "pyseccomp", raising=False)
    seccomp_filter.load_library()  # does not raise either
    assert seccomp_filter.install() == ([], [
        f"system-call filter (seccomp): not available ({shown}); sockets, device nodes, SysV IPC and the "
        "kernel log stay reachable"])


def test_cgroup_without_proc(monkeypatch: pytest.MonkeyPatch) -> None:
    def read(path: str) -> str:
        if path.startswith("/proc/"):
            raise FileNotFoundError(2, "No such file or directory", path)
        raise AssertionError(f"read {path} although /proc said nothing")

    monkeypatch.setattr(cgroup_module, "_read", read)
    group, note = cgroup_module.SubmissionCgroup.create(2**30, 64)
    assert group is None
    assert note == "memory per submission (cgroup): not available (no cgroup v2 hierarchy; no cgroup v1 memory hierarchy)"


def test_cgroup_outside_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(cgroup_module, "_read", lambda path: pytest.fail(f"read {path}"))
    assert cgroup_module.SubmissionCgroup.create(2**30, 64) == (
        None, "memory per submission (cgroup): not available on this system (Linux only)")


# -- everything missing at once, in a fresh interpreter ---------------------------------------------

#: Takes away what Windows lacks before anything of the grader is imported (a ``sitecustomize``).
WINDOWS_LIKE = r'''
import builtins, ctypes, ctypes.util, io, os, signal, sys
sys.modules["resource"] = None
sys.modules["fcntl"] = None
for name in ("geteuid", "getegid", "killpg", "setsid", "WNOHANG", "fork"):
    delattr(os, name)
del signal.SIGXFSZ
_cdll = ctypes.CDLL
def _refusing_cdll(name, *args, **kwargs):
    if name is None:
        raise TypeError("simulated: CDLL(None)")
    return _cdll(name, *args, **kwargs)
ctypes.CDLL = _refusing_cdll
ctypes.util.find_library = lambda name: None
_open = builtins.open
def _no_proc(file, *args, **kwargs):
    if isinstance(file, (str, bytes)) and os.fsdecode(file).startswith("/proc"):
        raise FileNotFoundError(2, "No such file or directory", file)
    return _open(file, *args, **kwargs)
builtins.open = io.open = _no_proc
'''

CALLS = r'''
import json, tempfile
from grader.sandbox.common.cgroup import SubmissionCgroup
from grader.sandbox.common.limits import Limits
from grader.sandbox.executor import audit, landlock, leftovers, limits, namespaces, seccomp_filter
workdir = tempfile.mkdtemp()
group, group_note = SubmissionCgroup.create(2**30, 64)
ns_applied, ns_missing = namespaces.isolate((), workdir, 2**20)
applied, missing = limits.apply_in_worker(Limits().to_plain(), workdir, *limits.worker_read_paths(), cgroup=group)
audit_note = audit.install()
descriptors = leftovers.descriptor_identities((0, 1, 2))
print(json.dumps({"group": group is None, "group_note": group_note, "ns": [ns_applied, ns_missing],
                  "applied": applied, "missing": missing, "audit": audit_note,
                  "subreaper": leftovers.become_subreaper(), "left": leftovers.what_was_left(descriptors, ())}))
'''


def test_everything_missing_at_once_degrades() -> None:
    env = {key: value for key, value in os.environ.items() if key != features.ENV}
    done = subprocess.run([sys.executable, "-c", WINDOWS_LIKE + CALLS], capture_output=True, text=True,
                          timeout=120, cwd=REPO, env={**env, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["group"] is True and "cgroup" in result["group_note"] and "not available" in result["group_note"]
    assert result["ns"] == [[], ["user, network, PID, IPC and UTS namespaces: not available on this system (its C "
                                 "library has no unshare: Linux only); the executor shares the host's network and "
                                 "process table"]]
    assert result["applied"] == []
    assert result["missing"] == [
        "memory limit: not available on this system (no `resource` module, Windows)",
        "file size limit: not available on this system (no `resource` module, Windows)",
        "process limit: not available on this system (no `resource` module, Windows)",
        "CPU limit: not available on this system (no `resource` module, Windows)",
        "filesystem/TCP isolation (Landlock): Landlock is not available on this system (Linux only); reference "
        "and checks stay readable",
        "system-call filter (seccomp): not available (TypeError: simulated: CDLL(None)); sockets, device nodes, "
        "SysV IPC and the kernel log stay reachable",
    ]
    assert "audit hook" in result["audit"]
    assert result["subreaper"] is False and result["left"] == []


@pytest.mark.parametrize(("uid_map", "euid", "root"), [
    ("0 0 4294967295\n", 0, True),  # the host's root, no user namespace
    ("0 65534 1\n", 0, False),  # an ordinary user, root only inside its own user namespace
    ("0 1000 1\n1 100000 65536\n", 5, False),
    (None, 0, True),  # no /proc: what geteuid says
])
def test_only_root_on_the_host_escapes_the_process_count_limit(monkeypatch: pytest.MonkeyPatch, uid_map: str | None,
                                                               euid: int, root: bool) -> None:
    import io

    def fake_open(path: str, *args: Any) -> io.StringIO:
        if uid_map is None:
            raise FileNotFoundError(path)
        assert path == "/proc/self/uid_map"
        return io.StringIO(uid_map)

    monkeypatch.setattr(limits, "open", fake_open, raising=False)
    monkeypatch.setattr(os, "geteuid", lambda: euid)
    assert limits._root_on_the_host() is root


def test_job_objects_are_windows_only() -> None:
    """Elsewhere asking for one is an OSError (reported as a limit not applied), never another exception."""
    from grader.sandbox.common import windows_job
    from grader.sandbox.judge.spawner import Spawner

    with pytest.raises(OSError, match="no job objects"):
        windows_job.kill_on_close_job()
    with pytest.raises(OSError, match="no job objects"):
        windows_job.limit_own_memory(2**30)
    assert Spawner()._job is None
