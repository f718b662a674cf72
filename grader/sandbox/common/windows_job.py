"""Windows job objects, through ctypes: what Windows offers in place of process groups and rlimits.

The judge puts every executor it spawns in one job that kills them all when its last handle closes,
which happens when the judge exits or is killed (:func:`kill_on_close_job`).  An executor limits its
own memory by entering a job of its own (nested in the judge's) whose per-process memory limit is what it
has committed already plus the submission's allowance (:func:`limit_own_memory`): an allocation past it
fails with MemoryError, as under ``RLIMIT_AS`` on Linux.  Every call raises OSError when Windows (or
Wine) refuses it; the caller reports the limit as not applied.
"""

from __future__ import annotations

import ctypes
from ctypes import wintypes
from typing import Any

_EXTENDED_LIMIT_INFORMATION = 9  #: JobObjectExtendedLimitInformation
KILL_ON_JOB_CLOSE = 0x2000
PROCESS_MEMORY = 0x100


class _Basic(ctypes.Structure):
    _fields_ = [("PerProcessUserTimeLimit", ctypes.c_int64), ("PerJobUserTimeLimit", ctypes.c_int64),
                ("LimitFlags", wintypes.DWORD), ("MinimumWorkingSetSize", ctypes.c_size_t),
                ("MaximumWorkingSetSize", ctypes.c_size_t), ("ActiveProcessLimit", wintypes.DWORD),
                ("Affinity", ctypes.c_size_t), ("PriorityClass", wintypes.DWORD), ("SchedulingClass", wintypes.DWORD)]


class _IoCounters(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in ("ReadOperationCount", "WriteOperationCount",
                                                     "OtherOperationCount", "ReadTransferCount",
                                                     "WriteTransferCount", "OtherTransferCount")]


class _ExtendedLimits(ctypes.Structure):
    _fields_ = [("BasicLimitInformation", _Basic), ("IoInfo", _IoCounters), ("ProcessMemoryLimit", ctypes.c_size_t),
                ("JobMemoryLimit", ctypes.c_size_t), ("PeakProcessMemoryUsed", ctypes.c_size_t),
                ("PeakJobMemoryUsed", ctypes.c_size_t)]


class _MemoryCounters(ctypes.Structure):  # PROCESS_MEMORY_COUNTERS_EX
    _fields_ = [("cb", wintypes.DWORD), ("PageFaultCount", wintypes.DWORD)] + [
        (name, ctypes.c_size_t) for name in ("PeakWorkingSetSize", "WorkingSetSize", "QuotaPeakPagedPoolUsage",
                                             "QuotaPagedPoolUsage", "QuotaPeakNonPagedPoolUsage",
                                             "QuotaNonPagedPoolUsage", "PagefileUsage", "PeakPagefileUsage",
                                             "PrivateUsage")]


def _kernel32() -> Any:
    try:
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    except (AttributeError, OSError) as exc:
        raise OSError(f"no job objects on this system ({exc})") from None
    kernel32.CreateJobObjectW.restype = wintypes.HANDLE
    kernel32.CreateJobObjectW.argtypes = (wintypes.LPVOID, wintypes.LPCWSTR)
    kernel32.SetInformationJobObject.argtypes = (wintypes.HANDLE, ctypes.c_int, wintypes.LPVOID, wintypes.DWORD)
    kernel32.AssignProcessToJobObject.argtypes = (wintypes.HANDLE, wintypes.HANDLE)
    kernel32.GetCurrentProcess.restype = wintypes.HANDLE
    return kernel32


def _check(ok: int, what: str) -> None:
    if not ok:
        raise OSError(f"{what} failed (Windows error {ctypes.get_last_error()})")  # type: ignore[attr-defined]


def _job(flags: int, process_memory: int = 0) -> tuple[Any, Any]:
    kernel32 = _kernel32()
    job = kernel32.CreateJobObjectW(None, None)
    _check(job, "CreateJobObject")
    limits = _ExtendedLimits()
    limits.BasicLimitInformation.LimitFlags = flags
    limits.ProcessMemoryLimit = process_memory
    _check(kernel32.SetInformationJobObject(job, _EXTENDED_LIMIT_INFORMATION, ctypes.byref(limits),
                                            ctypes.sizeof(limits)), "SetInformationJobObject")
    return kernel32, job


def kill_on_close_job() -> "KillOnCloseJob":
    """A job whose processes die when the judge's handle to it closes (with the judge at the latest)."""
    kernel32, job = _job(KILL_ON_JOB_CLOSE)
    return KillOnCloseJob(kernel32, job)


class KillOnCloseJob:
    def __init__(self, kernel32: Any, handle: Any) -> None:
        self._kernel32, self.handle = kernel32, handle

    def add(self, process_handle: int) -> None:
        """Put a process (``Popen._handle``) in the job."""
        _check(self._kernel32.AssignProcessToJobObject(self.handle, process_handle), "AssignProcessToJobObject")


def limit_own_memory(allowance: int) -> int:
    """Enter a job whose per-process memory limit is what this process has committed plus ``allowance``;
    return that limit in bytes."""
    kernel32 = _kernel32()
    counters = _MemoryCounters(cb=ctypes.sizeof(_MemoryCounters))
    psapi = ctypes.WinDLL("psapi", use_last_error=True)  # type: ignore[attr-defined]
    psapi.GetProcessMemoryInfo.argtypes = (wintypes.HANDLE, wintypes.LPVOID, wintypes.DWORD)
    _check(psapi.GetProcessMemoryInfo(kernel32.GetCurrentProcess(), ctypes.byref(counters), counters.cb),
           "GetProcessMemoryInfo")
    limit = int(counters.PrivateUsage) + allowance
    _, job = _job(PROCESS_MEMORY, limit)
    _check(kernel32.AssignProcessToJobObject(job, kernel32.GetCurrentProcess()), "AssignProcessToJobObject")
    return limit
