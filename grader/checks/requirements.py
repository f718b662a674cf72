"""What a check may require of the machine (a GPU, …), and whether this machine has it.

The judge decides, once per grade and before any student code runs, so that nothing a
submission does can change the answer.  Finding a GPU must not initialise CUDA in the judge
(nor in the zygote, which never touches it): a process that ran ``cuInit`` cannot safely fork
CUDA users, and ``torch.cuda.is_available()`` does exactly that unless
``PYTORCH_NVML_BASED_CUDA_CHECK=1``.  So the judge looks for the driver's device nodes and asks
NVML (``torch.cuda._device_count_nvml``, which loads the management library and creates no
CUDA context); only an executor started for CUDA checks ever initialises CUDA.
"""

from __future__ import annotations

import functools
import glob
from typing import Callable, Iterable

#: Why a check that requires each thing was skipped, in a student's words.
REASONS: dict[str, str] = {
    "cuda": "no CUDA device",
}


def _cuda_present() -> bool:
    """True when a CUDA-enabled torch and an NVIDIA device are present, without initialising CUDA."""
    if not glob.glob("/dev/nvidia[0-9]*") or not glob.glob("/dev/nvidiactl"):
        return False  # no driver device nodes: nothing to ask (the common CPU-only case)
    import torch

    if torch.version.cuda is None or not torch.backends.cuda.is_built():
        return False
    count = getattr(torch.cuda, "_device_count_nvml", None)
    if count is None:  # a torch without the NVML helper: stay on the safe side rather than call cuInit
        return False
    return count() > 0


#: How each requirement is detected on this machine.
DETECTORS: dict[str, Callable[[], bool]] = {
    "cuda": _cuda_present,
}


def validate(requires: Iterable[str]) -> None:
    """Refuse, when a check is declared, a requirement nobody can detect (a typo would skip it forever)."""
    unknown = sorted(set(requires) - set(REASONS))
    if unknown:
        raise ValueError(f"unknown requirement(s) {unknown}; known: {sorted(REASONS)}")


@functools.lru_cache(maxsize=None)
def detect() -> frozenset[str]:
    """The requirements this machine meets (detected once per process)."""
    return frozenset(name for name, present in DETECTORS.items() if present())


def unmet(requires: Iterable[str], available: frozenset[str]) -> tuple[str, ...]:
    """The reasons, in declaration order, why a check requiring ``requires`` cannot run here."""
    return tuple(REASONS[name] for name in requires if name not in available)
