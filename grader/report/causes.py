"""Failed checks of one item that share a cause, found from the results alone.

One bug often fails many checks: the seed student's Dropout multiplies by a mask of length
``len(input)``, and every check that feeds it a 2-D input gets the same broadcasting error
with its own traceback.  A student should read that cause once.  Every reporter calls
:func:`find_causes` on an item's checks, says each :class:`Cause` once, before the checks,
and lets the checks refer to it; points are never changed.

Two failures share a cause when

* both say ``your code raised`` the same exception type, with the same message once its
  numbers are set aside (the sizes in a broadcasting error depend on the input), at the same
  ``cell N, line M`` of the student's code; or
* both report the same wrong output shape (``returned shape (2, 2)``) where the same shape
  was expected.

and both checks have the same visibility, so that a cause said in a visible check never
carries a hidden check's text, and the reference to a cause is never in a test the student
cannot see.  Anything else stays apart: two causes are never merged on a guess.

Of a group, the failure shown is the one with the smallest input, judged by the numbers in
its message and counterexample (Hypothesis has shrunk each check's input, but not across
checks); ties go to the first check in the assignment's order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from grader.results import CheckResult

_RAISED = re.compile(r"your code raised (?P<type>[A-Za-z_][\w.]*)(?P<rest>.*)", re.S)
_WHERE = re.compile(r"\bcell \d+, line \d+\b")
_AT_WHERE = re.compile(r"\s+at cell \d+, line \d+\b")
_SHAPE = re.compile(r"returned shape (?P<got>\([^)]*\))(?:; expected (?P<expected>[^;\n]+))?")
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class Cause:
    """One cause of several failed checks of an item."""

    title: str  #: one short line naming it: "RuntimeError at cell 8, line 32", "wrong output shape (2, 2)"
    message: str  #: the message of the failure shown (``shown_by``)
    counterexample: str | None  #: its traceback or smallest input
    checks: tuple[str, ...]  #: names of every check it failed, in the item's order
    shown_by: str  #: the check whose message and counterexample are shown

    @property
    def first(self) -> str:
        """The check in whose place the cause is said, where a format has no room above the checks."""
        return self.checks[0]


def _key(check: CheckResult) -> tuple[tuple[str, ...], str] | None:
    """What makes two failures the same cause, and the cause's title; None when this one cannot be
    told apart from others safely."""
    if check.outcome != "failed":
        return None
    raised = _RAISED.search(check.message)
    if raised:
        where = _WHERE.findall(raised.group("rest")) or _WHERE.findall(check.counterexample or "")
        if not where:
            return None  # "at the same line" cannot be known: keep it apart
        text = _NUMBER.sub("#", _AT_WHERE.sub("", raised.group("rest")).strip())
        kind = raised.group("type")
        return ("exception", check.visibility, kind, where[-1], text), f"{kind} at {where[-1]}"
    shape = _SHAPE.search(check.message) or _SHAPE.search(check.counterexample or "")
    if shape:
        got, expected = shape.group("got"), shape.group("expected")
        if expected:
            return ("shape", check.visibility, got, expected.strip()), f"wrong output shape {got}"
        return ("shape", check.visibility, got, "", _NUMBER.sub("#", check.message)), f"wrong output shape {got}"
    return None


def _size(check: CheckResult) -> tuple[float, int]:
    """How big the failing input looks: the sum of the numbers quoted (cell/line references aside)."""
    text = _WHERE.sub("", f"{check.message}\n{check.counterexample or ''}")
    total = 0.0
    for number in _NUMBER.findall(text):
        try:
            total += abs(float(number))
        except (ValueError, OverflowError):  # pragma: no cover - the pattern only matches numbers
            continue
    return total, len(text)


def find_causes(checks: Iterable[CheckResult]) -> tuple[Cause, ...]:
    """The causes shared by two or more failed checks among ``checks``, in the order of their first check."""
    groups: dict[tuple[str, ...], list[CheckResult]] = {}
    titles: dict[tuple[str, ...], str] = {}
    for check in checks:
        found = _key(check)
        if found is not None:
            groups.setdefault(found[0], []).append(check)
            titles.setdefault(found[0], found[1])
    causes = []
    for key, members in groups.items():
        if len(members) < 2:
            continue
        shown = min(members, key=_size)  # min keeps the first of equals
        causes.append(Cause(title=titles[key], message=shown.message, counterexample=shown.counterexample,
                            checks=tuple(c.name for c in members), shown_by=shown.name))
    return tuple(causes)


def causes_by_check(causes: Iterable[Cause]) -> dict[str, Cause]:
    """Each grouped check's name mapped to its cause."""
    return {name: cause for cause in causes for name in cause.checks}


def reference(cause: Cause) -> str:
    """What a check that failed for ``cause`` says instead of repeating it."""
    return f"same cause as above: {cause.title}"


def introduction(cause: Cause) -> str:
    """The line that opens a cause where it is said once, naming the checks that refer to it."""
    return f"One cause of {len(cause.checks)} failed checks ({', '.join(cause.checks)}): {cause.title}"
