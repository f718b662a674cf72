"""The results model: what grading produced, as frozen plain data.

Reporters read these objects; nothing here formats or prints.  Every field is
JSON-friendly so a result can cross a process boundary or be written to disk
without pickling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: What became of one check.
#: ``passed``  the property holds; full points.
#: ``failed``  the property does not hold (or the student code crashed / timed out).
#: ``warning`` worth telling the student, costs nothing (max_points is 0).
#: ``skipped`` a requirement (e.g. a GPU) was not met; neither passed nor failed.
Outcome = Literal["passed", "failed", "warning", "skipped"]

#: Gradescope's visibility values; ``hidden`` checks are left out of self-check runs.
Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]


@dataclass(frozen=True)
class CheckResult:
    """One named property of one graded item."""

    name: str  #: short identifier, unique within the item (``zero_fraction``)
    description: str  #: what the property means, in a student's words
    outcome: Outcome
    points: float  #: points earned
    max_points: float  #: points available (0 for warning-level checks)
    message: str = ""  #: why it failed / what to look at; empty when passed
    counterexample: str | None = None  #: smallest failing input, expected vs got
    duration_s: float = 0.0  #: wall time; never written to deterministic outputs
    visibility: Visibility = "visible"


@dataclass(frozen=True)
class ItemResult:
    """One graded name of the assignment (``Dropout``, ``BatchNorm``...)."""

    name: str  #: the name the assignment asks for
    found_as: str | None  #: the name actually graded (an alias), None when missing
    location: str | None  #: where the graded definition was found, e.g. "cell 7, line 1"
    checks: tuple[CheckResult, ...]
    message: str = ""  #: item-level explanation (e.g. why it was not found)

    @property
    def score(self) -> float:
        return sum(c.points for c in self.checks)

    @property
    def max_score(self) -> float:
        return sum(c.max_points for c in self.checks)


@dataclass(frozen=True)
class DroppedStatement:
    """A top-level statement the grader did not run, and why."""

    cell: int  #: 1-based index of the cell in the notebook (all cells counted)
    line: int  #: 1-based line within the cell
    summary: str  #: first line of the statement, shortened
    reason: str  #: e.g. "training call", "plotting", "not needed by any graded name"


@dataclass(frozen=True)
class CellProblem:
    """A cell that could not be read (syntax error) or a statement that failed to load."""

    cell: int
    line: int | None
    message: str


@dataclass(frozen=True)
class ExtractionSummary:
    """What extraction kept, dropped and could not find."""

    kept: tuple[str, ...]  #: "cell 3, line 1: class Dropout(nn.Module):" per kept statement
    dropped: tuple[DroppedStatement, ...]
    missing: tuple[str, ...]  #: graded names not defined anywhere in the submission
    cell_problems: tuple[CellProblem, ...]  #: syntax errors, statements that raised at load
    aliases: tuple[tuple[str, str], ...] = ()  #: (item, name graded instead)


@dataclass(frozen=True)
class SandboxSummary:
    """How the worker was isolated and what the student code printed."""

    limits_applied: tuple[str, ...]
    limits_not_applied: tuple[str, ...]  #: each with the reason it could not be applied
    stdout: str = ""  #: captured, truncated
    stderr: str = ""  #: captured, truncated
    restarts: int = 0


@dataclass(frozen=True)
class GradeResult:
    """Everything known about the grading of one submission."""

    assignment: str
    submission: str  #: path as given
    items: tuple[ItemResult, ...]
    extraction: ExtractionSummary
    sandbox: SandboxSummary
    warnings: tuple[str, ...] = field(default=())  #: submission-level notes
    duration_s: float = 0.0

    @property
    def score(self) -> float:
        return sum(i.score for i in self.items)

    @property
    def max_score(self) -> float:
        return sum(i.max_score for i in self.items)
