"""The environment variables an executor runs with, however it is started (the zygote's fork sets
them, the judge passes them to a fresh interpreter where there is no fork)."""

from __future__ import annotations

import os

from grader.sandbox.common import features


def executor_environment(workdir: str) -> dict[str, str]:
    """The only environment an executor sees (the judge's may hold tokens of the CI or Gradescope)."""
    environment = {"PATH": "/usr/bin:/bin", "HOME": workdir, "TMPDIR": workdir, "PYTHONHASHSEED": "0",
                   "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1",
                   "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg", "TQDM_DISABLE": "1",
                   "CUDA_VISIBLE_DEVICES": "", "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8:backslashreplace",
                   # kernel features switched off (to test degradation) stay off: grader.sandbox.common.features
                   **({features.ENV: os.environ[features.ENV]} if features.ENV in os.environ else {})}
    if os.name == "nt":  # Windows cannot start Python or load torch's DLLs without these
        environment.update({name: os.environ[name] for name in ("SYSTEMROOT", "WINDIR", "PATH")
                            if name in os.environ})
        environment.update(USERPROFILE=workdir, TEMP=workdir, TMP=workdir)
    return environment
