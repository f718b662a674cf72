"""Mutation testing of an assignment's checks: what would they miss?

``python -m grader mutate ASSIGNMENT`` makes single-change mutants of each item's reference
definition (:mod:`.generate`, :mod:`.operators`), grades each as a submission for that item only
(:mod:`.grading`, :mod:`.worker`), and runs every survivor against the reference on the same seeded
inputs (:mod:`.differ`, with the probes of ``assignments/<name>/mutation.py`` built from
:mod:`.exercise`) to tell a miss of the checks ("differs: …") from an equivalent mutant.
"""

from __future__ import annotations

import importlib
from typing import Any

#: The public names, imported on first use: ``python -m grader grade`` loads this package for its
#: command-line parser only and should not pay for the rest.
_HOMES = {"Verdict": "differ", "differential": "differ", "Mutant": "generate", "generate": "generate",
          "MutantResult": "run", "MutationRun": "run", "mutate": "run"}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
