"""The differential test: run the reference and a mutant on the same seeded inputs, say whether they differ.

The probes of an item come from ``assignments/<name>/mutation.py`` (``PROBES[item]``, see
:mod:`grader.mutate.exercise`).  Both sides are the instructor's code, but a mutant may loop forever,
so both run in a child process (``python -m grader.mutate.differ``, one per grading thread, judging
mutant after mutant) under a timeout per mutant: a mutant that never ends costs one timeout and a new
child.  The child observes the reference first (once per item) and says so, so that a timeout can be
blamed on the mutant.  Global torch state a mutant could leave behind (grad mode) is reset before
each probe.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import random
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

TIMEOUT_S = 60.0
_REFERENCE_DONE = "reference observed"
_PRINTED = " (printed)"  #: the observation of what a probe printed: compared after every other one


@dataclass(frozen=True)
class Verdict:
    #: ``prints``: the same except for what it prints (progress lines, which no check grades)
    outcome: Literal["same", "differs", "prints", "unknown"]
    detail: str  #: what differs, on which input (``differs``, ``prints``), or why there is no verdict

    @property
    def text(self) -> str:
        return {"same": "behaves the same", "differs": f"differs: {self.detail}",
                "prints": f"differs only in what it prints: {self.detail}",
                "unknown": f"no verdict: {self.detail}"}[self.outcome]


class Differ:
    """A child process that judges mutants one after another (one torch import, the reference's
    observations kept per item); a mutant that hangs or kills it costs one timeout and a new child."""

    def __init__(self, timeout: float = TIMEOUT_S) -> None:
        self.timeout = timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._buffer = b""

    def judge(self, assignment: str, item: str, mutant_source: str, seed: int = 0) -> Verdict:
        process = self._start()
        request = {"assignment": assignment, "item": item, "seed": seed, "source": mutant_source}
        assert process.stdin is not None
        try:
            process.stdin.write((json.dumps(request) + "\n").encode())
            process.stdin.flush()
        except OSError:
            self.close()
            return Verdict("unknown", "the differential test's process died")
        deadline = time.monotonic() + self.timeout
        reference_done = False
        while True:
            line = self._line(deadline)
            if line is None:
                died = self._process is not None and self._process.poll() is not None
                self.close()
                if died:
                    return Verdict("differs" if reference_done else "unknown",
                                   "the process running the mutant died" if reference_done
                                   else "the differential test's process died")
                if reference_done:
                    return Verdict("differs", f"the mutant did not finish within {self.timeout:g} s; "
                                              "the reference did")
                return Verdict("unknown", f"the reference did not finish within {self.timeout:g} s")
            reply = json.loads(line)
            if reply.get("progress") == _REFERENCE_DONE:
                reference_done = True
                continue
            return Verdict(reply["outcome"], reply["detail"])

    def close(self) -> None:
        if self._process is None:
            return
        process, self._process, self._buffer = self._process, None, b""
        if process.poll() is None:
            process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()

    def __enter__(self) -> "Differ":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            self.close()
            self._process = subprocess.Popen([sys.executable, "-m", "grader.mutate.differ"], stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                             cwd=Path(__file__).resolve().parents[2])
        return self._process

    def _line(self, deadline: float) -> str | None:
        """The child's next line, or None at the deadline or when it ended."""
        assert self._process is not None and self._process.stdout is not None
        fd = self._process.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode()


def differential(assignment: str, item: str, mutant_source: str, seed: int = 0,
                 timeout: float = TIMEOUT_S) -> Verdict:
    """One mutant, in a child process of its own."""
    with Differ(timeout) as differ:
        return differ.judge(assignment, item, mutant_source, seed)


def compare_sources(assignment: str, item: str, reference: str, mutant: str, seed: int,
                    expected: dict[str, Any] | str | None = None) -> Verdict:
    """In this process: observe both (the reference's observations may be given), return the first difference."""
    from grader.mutate.compare import first_difference

    probes = _declared(assignment).get(item)
    if probes is None:
        return Verdict("unknown", f"assignments/{assignment}/mutation.py declares no probes for {item}")
    if expected is None:
        expected = observe(reference, probes, seed)
    if isinstance(expected, str):
        return Verdict("unknown", f"the reference failed to load: {expected}")
    got = observe(mutant, probes, seed)
    if isinstance(got, str):
        return Verdict("differs", f"the module fails to load: {got}")
    printed = [name for name in expected if name.endswith(_PRINTED)]
    for name in [*(n for n in expected if n not in printed), *printed]:
        difference = first_difference(expected[name], got[name])
        if difference:
            return Verdict("prints" if name in printed else "differs", f"{name}: {difference}")
    return Verdict("same", "")


def observe(source: str, probes: Any, seed: int) -> dict[str, Any] | str:
    """Every probe's result (or ``raised …``) and what it printed; a string when the module fails to load."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the probes are tiny: a thread pool makes them many times slower, not faster
    try:
        return _observe(source, probes, seed)
    finally:
        torch.set_num_threads(threads)


def _observe(source: str, probes: Any, seed: int) -> dict[str, Any] | str:
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
        seen[f"{name}{_PRINTED}"] = printed.getvalue()
    return seen


def _raised(exc: BaseException) -> str:
    return f"raised {type(exc).__name__}: {str(exc)[:200]}"


def _seed(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_grad_enabled(True)


def _declared(assignment: str) -> dict[str, Any]:
    try:
        module = importlib.import_module(f"assignments.{assignment}.mutation")
    except ModuleNotFoundError:
        return {}
    return dict(getattr(module, "PROBES", {}))


def serve() -> None:
    """The child: one JSON request a line on stdin, JSON lines back on stdout (progress, then the verdict)."""
    import torch

    from grader.assignment import get
    from grader.mutate.generate import reference_path

    torch.set_num_threads(1)
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    sys.stdout = sys.stderr  # what the code prints outside a probe must not mix with the replies
    observed: dict[tuple[str, str, int], Any] = {}
    for line in sys.stdin:
        request = json.loads(line)
        assignment, item, seed = request["assignment"], request["item"], request["seed"]
        reference = reference_path(get(assignment)).read_text(encoding="utf-8")
        probes = _declared(assignment).get(item)
        if probes is not None and (assignment, item, seed) not in observed:
            observed[assignment, item, seed] = observe(reference, probes, seed)
        replies.write(json.dumps({"progress": _REFERENCE_DONE}) + "\n")
        replies.flush()
        verdict = compare_sources(assignment, item, reference, request["source"], seed,
                                  observed.get((assignment, item, seed)))
        replies.write(json.dumps({"outcome": verdict.outcome, "detail": verdict.detail}) + "\n")
        replies.flush()


if __name__ == "__main__":
    serve()
