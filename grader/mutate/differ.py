"""The differential test: run the reference and a mutant on the same seeded inputs, say whether they differ.

The probes of an item come from ``assignments/<name>/mutation.py`` (``PROBES[item]``, see
:mod:`grader.mutate.exercise`).  Both sides are the instructor's code, but a mutant may loop forever,
so both run in a child process (``python -m grader.mutate.differ``) under a timeout: a mutant that
never ends costs one timeout.  The child observes the reference first and says so, so that a timeout
can be blamed on the mutant.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

TIMEOUT_S = 60.0
_REFERENCE_DONE = "reference observed"


@dataclass(frozen=True)
class Verdict:
    outcome: Literal["same", "differs", "unknown"]
    detail: str  #: what differs, on which input (``differs``), or why there is no verdict (``unknown``)

    @property
    def text(self) -> str:
        return {"same": "behaves the same", "differs": f"differs: {self.detail}",
                "unknown": f"no verdict: {self.detail}"}[self.outcome]


def differential(assignment: str, item: str, mutant_source: str, seed: int = 0,
                 timeout: float = TIMEOUT_S) -> Verdict:
    """Run both in a child process and compare (a hang or crash of the child is a verdict too)."""
    command = [sys.executable, "-m", "grader.mutate.differ", assignment, item, str(seed)]
    try:
        done = subprocess.run(command, input=mutant_source, capture_output=True, text=True, timeout=timeout,
                              cwd=Path(__file__).resolve().parents[2])
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        if _REFERENCE_DONE in out:
            return Verdict("differs", f"the mutant did not finish within {timeout:g} s; the reference did")
        return Verdict("unknown", f"the reference did not finish within {timeout:g} s")
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return Verdict("unknown", f"the differential test failed ({last})")
    reply = json.loads(lines[-1])
    return Verdict(reply["outcome"], reply["detail"])


def compare_sources(assignment: str, item: str, reference: str, mutant: str, seed: int) -> Verdict:
    """In this process: observe both, return the first difference (used by the child)."""
    from grader.mutate.compare import first_difference

    probes = _declared(assignment).get(item)
    if probes is None:
        return Verdict("unknown", f"assignments/{assignment}/mutation.py declares no probes for {item}")
    expected = observe(reference, probes, seed)
    print(_REFERENCE_DONE, flush=True)
    if isinstance(expected, str):
        return Verdict("unknown", f"the reference failed to load: {expected}")
    got = observe(mutant, probes, seed)
    if isinstance(got, str):
        return Verdict("differs", f"the module fails to load: {got}")
    for name, value in expected.items():
        difference = first_difference(value, got[name])
        if difference:
            return Verdict("differs", f"{name}: {difference}")
    return Verdict("same", "")


def observe(source: str, probes: Any, seed: int) -> dict[str, Any] | str:
    """Every probe's result (or ``raised …``) and what it printed; a string when the module fails to load."""
    namespace: dict[str, Any] = {"__name__": "mutation_subject"}
    _seed(seed)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, "mutation_subject.py", "exec"), namespace)  # noqa: S102 - instructor's code
    except Exception as exc:  # noqa: BLE001 - a mutant that fails to load is behaviour too
        return _raised(exc)
    seen: dict[str, Any] = {}
    for name, probe in probes(namespace).items():
        _seed(seed)
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                seen[name] = probe()
        except Exception as exc:  # noqa: BLE001
            seen[name] = _raised(exc)
        seen[f"{name} (printed)"] = printed.getvalue()
    return seen


def _raised(exc: BaseException) -> str:
    return f"raised {type(exc).__name__}: {str(exc)[:200]}"


def _seed(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _declared(assignment: str) -> dict[str, Any]:
    try:
        module = importlib.import_module(f"assignments.{assignment}.mutation")
    except ModuleNotFoundError:
        return {}
    return dict(getattr(module, "PROBES", {}))


def main(argv: list[str]) -> None:
    import torch

    from grader.assignment import get
    from grader.mutate.generate import reference_path

    torch.set_num_threads(1)
    assignment, item, seed = argv[0], argv[1], int(argv[2])
    reference = reference_path(get(assignment)).read_text(encoding="utf-8")
    verdict = compare_sources(assignment, item, reference, sys.stdin.read(), seed)
    print(json.dumps({"outcome": verdict.outcome, "detail": verdict.detail}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
