"""What every executor does before it serves, however it was started: the zygote's fork
(:mod:`grader.sandbox.executor.zygote`) or a fresh interpreter (:mod:`grader.sandbox.executor.spawned`,
where there is no fork).

The standard streams the student code prints to, the submission's cgroup it joins, and the imports
of torch and the probes, done before any limit applies.
"""

from __future__ import annotations

import io
import os
import sys
from typing import Any


def redirect_standard_streams(stdout_fd: int, stderr_fd: int) -> None:
    """Standard input reads nothing; standard output and error go to the judge's capture pipes,
    written through at once (a student's last print before a crash is still seen)."""
    devnull = os.open(os.devnull, os.O_RDONLY)  # read-only: graded code has no input and nothing to write on 0
    os.dup2(devnull, 0)
    if stdout_fd != 1:
        os.dup2(stdout_fd, 1)
    if stderr_fd != 2:
        os.dup2(stderr_fd, 2)
    os.close(devnull)
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", write_through=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", write_through=True)


def join_cgroup(description: dict[str, Any] | None) -> Any:
    """Join the submission's cgroup (made by the judge) before anything else; None if there is none."""
    if not description:
        return None
    from grader.sandbox.common.cgroup import SubmissionCgroup

    cgroup = SubmissionCgroup.from_plain(description)
    try:
        cgroup.join_self()
    except OSError:
        return None  # apply_in_worker then reports the per-process fallback
    return cgroup


def import_libraries() -> None:
    """Import torch, the libraries graded code may use and every probe, before any limit applies."""
    import torch

    torch.set_num_threads(1)
    from grader.sandbox.executor import libraries, seccomp_filter, server  # noqa: F401 - imported for the executors
    from grader.sandbox.probes import registry  # noqa: F401

    libraries.prepare()  # tqdm, silent in graded code (matplotlib and IPython.display: on demand)
    seccomp_filter.load_library()  # it runs ldconfig once, here, instead of in every executor
