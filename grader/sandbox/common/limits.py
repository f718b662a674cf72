"""The limits an executor runs under, as the judge decides them.

Neutral: the judge builds :class:`Limits` (from the command line) and sends them to the
zygote as plain data (:meth:`Limits.to_plain`); the executor applies them to itself
(:func:`grader.sandbox.executor.limits.apply_in_worker`).  Imports nothing of either side.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

GiB = 1024**3
MiB = 1024**2


@dataclass(frozen=True)
class Limits:
    """Per-worker limits; every field can be changed from the command line."""

    request_timeout_s: float = 10.0  #: wall time for one probe before the worker is killed
    load_timeout_s: float = 10.0  #: wall time for one top-level statement of the submission
    memory_bytes: int = 4 * GiB  #: address space the student code may add to the worker
    file_size_bytes: int = 64 * MiB  #: largest file the worker may write
    workdir_bytes: int = 256 * MiB  #: all the files in an executor's working directory (a tmpfs)
    max_processes: int = 64  #: processes/threads of the worker's user (effective for non-root)
    cpu_seconds: int = 600  #: total CPU time of one worker, a backstop behind the timeouts
    output_bytes: int = 20_000  #: student stdout/stderr kept for the report (each)
    output_flood_bytes: int = 8 * MiB  #: printing more than this during one request fails it
    submission_timeout_s: float = 300.0  #: wall time for all of one submission's requests and restarts
    #: executors may use the GPU (set by the judge only when it found one and a check requires CUDA): no
    #: address-space limit (CUDA cannot even count devices under one: memory is the cgroup's alone) and the
    #: driver's /dev/nvidia* nodes stay open to Landlock.  Untested on machines without a GPU.
    gpu: bool = False

    def to_plain(self) -> dict[str, float | int | bool]:
        return asdict(self)


#: Libraries an executor gets imported and silenced on demand (a third of a second for matplotlib), when
#: the statements of its item mention them: graded code may plot or display, which must do nothing.
ON_DEMAND_LIBRARIES = ("matplotlib", "IPython", "tensorboard", "sklearn")
