"""Checks: named properties with points, and the context they run in.

A check is a short function of an :class:`ItemContext`.  It asks the worker for
plain data through the context (which turns every student-side failure into a
:class:`CheckFailed` with a message a student understands), compares in this
process, and raises :class:`CheckFailed` when the property does not hold.
"""

from __future__ import annotations

import contextlib
import hashlib
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from grader.checks import requirements
from grader.results import CheckResult, Visibility
from grader.sandbox.judge.client import Failure, Sandbox


class CheckFailed(Exception):
    """The property does not hold; ``message`` says why, ``counterexample`` shows on what."""

    def __init__(self, message: str, counterexample: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.counterexample = counterexample


class StudentCodeFailed(CheckFailed):
    """The student's code raised, hung, crashed or tampered: not a property verdict.

    ``kind`` is the sandbox's failure kind ("exception", "timeout", "crash",
    "tampered", "probe", "protocol") or "not_run" after repeated worker losses.
    """

    def __init__(self, message: str, counterexample: str | None = None, kind: str = "exception") -> None:
        super().__init__(message, counterexample)
        self.kind = kind


@dataclass(frozen=True)
class Check:
    """One named property of one graded item."""

    name: str
    description: str  #: what must hold, in a student's words
    points: float
    run: Callable[["ItemContext"], None]  #: returns when the property holds, raises CheckFailed otherwise
    warning_only: bool = False  #: a failure is reported as a warning and costs nothing
    visibility: Visibility = "visible"
    false_failure_bound: float | None = None  #: for statistical checks: P(fail | correct code) ≤ this
    #: what the machine must offer (``"cuda"``; see grader.checks.requirements): unmet, the check is skipped
    requires: tuple[str, ...] = ()
    #: an optional group run only when asked for (``"smoke"``: ``--smoke``); "" for the checks always run
    group: str = ""

    def __post_init__(self) -> None:
        requirements.validate(self.requires)

    @property
    def max_points(self) -> float:
        return 0.0 if self.warning_only else self.points


#: Failure kinds after which the worker had to be replaced: repeating the call would cost as much again.
WORKER_LOST = ("timeout", "crash", "escaped", "flood", "protocol")


@dataclass
class ItemContext:
    """What a check may use: the sandbox, the graded name and a base seed."""

    sandbox: Sandbox
    item: str  #: the name the assignment asks for
    name: str  #: the name graded in the submission (the same, or an alias)
    seed: int = 0
    #: requirements this machine meets (grader.checks.requirements.detect()); checks needing others are skipped
    available: frozenset[str] = frozenset()
    #: after this many time-outs, crashes or memory exhaustions the item's remaining checks fail fast
    max_worker_losses: int = 2
    worker_losses: int = 0
    #: values several checks of the item share (e.g. a parameter mapping found once), by key
    memo: dict[Any, Any] = field(default_factory=dict)
    _sticky: StudentCodeFailed | None = field(default=None, repr=False)
    _last_loss: str = field(default="", repr=False)  #: summary of the latest time-out/crash, for "not run"

    def derive_seed(self, *parts: Any) -> int:
        """A seed that depends only on the base seed and ``parts`` (stable across runs)."""
        digest = hashlib.sha256(repr((self.seed, self.item) + parts).encode()).digest()
        return int.from_bytes(digest[:4], "little")

    def rng(self, *parts: Any) -> np.random.Generator:
        return np.random.default_rng(self.derive_seed(*parts))

    # -- requests ------------------------------------------------------------
    def request(self, op: str, args: dict[str, Any], timeout: float | None = None) -> Any:
        """``timeout``: seconds for this request (default: the limits' request timeout)."""
        if self._sticky is not None:
            raise self._sticky
        if self.worker_losses >= self.max_worker_losses:
            raise StudentCodeFailed(f"not run: your code for `{self.name}` timed out, crashed, ran out of "
                                    f"memory or had to be stopped {self.worker_losses} times in earlier checks "
                                    f"(the last time: {self._last_loss})", kind="not_run")
        reply = self.sandbox.request(op, args, timeout=timeout)
        if reply.ok:
            return reply.value
        assert reply.failure is not None
        failure = explain_failure(reply.failure, self.name)
        costly = reply.failure.kind in WORKER_LOST or reply.failure.out_of_memory
        if costly or reply.failure.kind in ("tampered", "budget"):
            if costly:
                self.worker_losses += 1
                self._last_loss = reply.failure.summary
            # Within one check, stop at the first hang/crash/memory exhaustion instead of
            # repeating it for every example Hypothesis tries or shrinks.
            self._sticky = failure
        raise failure

    def memoised(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()`` once for all the item's checks; a StudentCodeFailed it raises is kept and
        raised again, so a probe that hung or crashed is not run again by every check."""
        if key not in self.memo:
            try:
                self.memo[key] = compute()
            except StudentCodeFailed as exc:
                self.memo[key] = exc
        value = self.memo[key]
        if isinstance(value, StudentCodeFailed):
            raise value
        return value

    def end_check(self) -> None:
        self._sticky = None

    def target(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {"name": self.name, "args": list(args), "kwargs": kwargs}

    def module_info(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self.request("module_info", {"target": self.target(*args, **kwargs)})

    def exercise(self, args: tuple[Any, ...], calls: list[dict[str, Any]],
                 set_params: dict[str, np.ndarray] | None = None) -> list[dict[str, Any]]:
        """Build ``name(*args)`` once and run ``calls`` on it (see probes.exercise)."""
        reply = self.request("exercise", {"target": self.target(*args), "calls": calls,
                                          "set_params": set_params or {}})
        return reply["calls"]


def explain_failure(failure: Failure, name: str) -> StudentCodeFailed:
    """Turn a worker-side Failure into the message a student reads."""
    if failure.kind == "exception":
        where = f" at {failure.where}" if failure.where else ""
        return StudentCodeFailed(f"your code raised {failure.summary}{where}", failure.traceback or None)
    if failure.kind == "tampered":
        return StudentCodeFailed(f"{failure.summary}; replacing functions of torch, numpy or Python "
                                 "is not allowed in a graded definition (they were restored)", kind="tampered")
    if failure.kind == "probe":
        return StudentCodeFailed(failure.summary, failure.traceback or None, kind="probe")
    return StudentCodeFailed(f"`{name}`: {failure.summary}", kind=failure.kind)


def recorded_failure(failure: dict[str, Any], name: str, call: str, hint: str = "") -> StudentCodeFailed:
    """The student's exception that a probe reported inside its record (the probe itself returned),
    explained as for a failed request; ``call`` says which call raised it."""
    exc = explain_failure(Failure(kind="exception", summary=failure.get("summary", "an exception"),
                                  traceback=failure.get("traceback", ""), where=failure.get("where")), name)
    return StudentCodeFailed(f"{call}: {exc.message}{hint}", exc.counterexample)


class JudgeDeadline(BaseException):
    """The submission's grading time ran out while the judge itself was computing (a BaseException,
    so that Hypothesis does not take it for a failing example and shrink it)."""


#: Seconds the judge's own work on a check may run past the submission's deadline before it is stopped.
JUDGE_GRACE_S = 5.0


@contextlib.contextmanager
def _judge_deadline(seconds: float) -> Iterator[None]:
    """Raise JudgeDeadline in this thread after ``seconds`` (only the main thread has signals, and Windows
    has no SIGALRM: there the deadlines of the requests still bound the worker's share)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def expired(signum: int, frame: object) -> None:
        raise JudgeDeadline

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.01))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_check(check: Check, ctx: ItemContext) -> CheckResult:
    """Run one check; every outcome becomes a CheckResult.

    Whatever the student's executor sent back, the verdict is this check's alone: a reply the check
    cannot use (a type or size no honest executor sends) fails it as malformed instead of stopping the
    judge, and judge-side work that overruns the submission's deadline is stopped by a watchdog."""
    skipped = skipped_result(check, ctx.available)
    if skipped is not None:
        return skipped
    started = time.perf_counter()
    message, counterexample = "", None
    try:
        with _judge_deadline(ctx.sandbox.budget_left() + JUDGE_GRACE_S):
            check.run(ctx)
        passed = True
    except CheckFailed as exc:
        passed, message, counterexample = False, exc.message, exc.counterexample
    except JudgeDeadline:
        passed, message = False, (f"not run to the end: the submission used up its "
                                  f"{ctx.sandbox.limits.submission_timeout_s:g} s of grading time")
    except Exception as exc:  # noqa: BLE001 - a malformed reply must cost this check only
        passed = False
        message = (f"the worker's reply could not be used ({type(exc).__name__}: {str(exc)[:200]}); "
                   "replies are shaped by the grader's probes, so this happens when graded code interferes "
                   "with them (if your code is honest, tell your instructor)")
    finally:
        ctx.end_check()
    duration = time.perf_counter() - started
    if passed:
        outcome, points = "passed", check.max_points
    elif check.warning_only:
        outcome, points = "warning", 0.0
    else:
        outcome, points = "failed", 0.0
    return CheckResult(name=check.name, description=check.description, outcome=outcome,  # type: ignore[arg-type]
                       points=points, max_points=check.max_points, message=message,
                       counterexample=counterexample, duration_s=duration, visibility=check.visibility)


def not_found_result(check: Check, message: str) -> CheckResult:
    outcome = "warning" if check.warning_only else "failed"
    return CheckResult(name=check.name, description=check.description, outcome=outcome,  # type: ignore[arg-type]
                       points=0.0, max_points=check.max_points, message=message, visibility=check.visibility)


def skipped_result(check: Check, available: frozenset[str]) -> CheckResult | None:
    """The ``skipped`` result of a check whose requirements this machine does not meet (None when met):
    worth nothing here, so the item's maximum excludes it, and the message says why."""
    reasons = requirements.unmet(check.requires, available)
    if not reasons:
        return None
    return CheckResult(name=check.name, description=check.description, outcome="skipped", points=0.0,
                       max_points=0.0, message=f"{'; '.join(reasons)}: not run on this machine and not counted "
                                               "in the maximum", visibility=check.visibility)
