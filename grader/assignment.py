"""What an assignment is to the harness, and how assignments are found.

An assignment is a package ``assignments/<name>/`` whose ``__init__`` defines
``ASSIGNMENT``: its graded items, each with points and checks.  Adding an
assignment is adding a folder; the harness does not change.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from grader.checks.core import Check
from grader.definitions import Definition, definitions
from grader.errors import UnknownAssignment, WrongAssignment
from grader.notebook import read_submission

ItemKind = Literal["class", "function", "instance"]


@dataclass(frozen=True)
class Item:
    """One graded name of an assignment."""

    name: str  #: the exact name the assignment asks for
    kind: ItemKind
    checks: tuple[Check, ...]
    aliases: tuple[str, ...] = ()  #: other names accepted for it (reported when used)
    #: names accepted only when the notebook defines them twice: the course's notebook gives the
    #: first definition (``ConvNet``) and a student wrote the answer as a second one
    redefined_aliases: tuple[str, ...] = ()
    training: bool = False  #: a training function: calls to it are never kept from the notebook
    #: dotted torch names the item must not use (it is to be written from scratch); the integrity
    #: policy rejects them and all their aliases before anything runs (``grader.integrity``)
    forbidden: tuple[str, ...] = ()

    @property
    def max_points(self) -> float:
        return sum(c.max_points for c in self.checks)

    @property
    def accepted_names(self) -> frozenset[str]:
        """The names that define this item: its own and its declared aliases."""
        return frozenset((self.name, *self.aliases))


@dataclass(frozen=True)
class Assignment:
    name: str  #: folder name, used with --assignment
    title: str
    items: tuple[Item, ...]
    template: Path | None = None  #: the notebook handed to students

    @property
    def graded_names(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.items)

    def template_definitions(self) -> dict[str, Definition]:
        """The definitions of the notebook handed to students (the signatures the items must have)."""
        return _template_definitions(self.template) if self.template else {}


@functools.lru_cache(maxsize=None)
def _template_definitions(template: Path) -> dict[str, Definition]:
    return {d.name: d for d in definitions(read_submission(template))}


ASSIGNMENTS_PACKAGE = "assignments"


def available() -> dict[str, Assignment]:
    """Every assignment under ``assignments/``, by name."""
    package = importlib.import_module(ASSIGNMENTS_PACKAGE)
    found: dict[str, Assignment] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if not info.ispkg:
            continue
        module = importlib.import_module(f"{ASSIGNMENTS_PACKAGE}.{info.name}")
        assignment = getattr(module, "ASSIGNMENT", None)
        if isinstance(assignment, Assignment):
            found[assignment.name] = assignment
    return found


def get(name: str) -> Assignment:
    assignments = available()
    if name not in assignments:
        raise UnknownAssignment(f"unknown assignment {name!r}; available: {', '.join(sorted(assignments))}")
    return assignments[name]


def public_items(items: tuple[Item, ...], assignment: Assignment) -> tuple[Item, ...]:
    """``items`` with their public checks (``assignments/<name>/public.py``'s ``CHECKS``) instead of their
    graded ones: what a student's self-check runs.  An item without public checks gets none."""
    try:
        module = importlib.import_module(f"{ASSIGNMENTS_PACKAGE}.{assignment.name}.public")
    except ModuleNotFoundError as exc:
        if exc.name != f"{ASSIGNMENTS_PACKAGE}.{assignment.name}.public":
            raise  # public.py exists but imports something missing: the grader's bug, not "no public checks"
        public: dict[str, tuple[Check, ...]] = {}
    else:
        public = getattr(module, "CHECKS", {})
    return tuple(dataclasses.replace(item, checks=tuple(public.get(item.name, ()))) for item in items)


def defined_items(assignment: Assignment, defined_names: set[str]) -> tuple[str, ...]:
    """The names the submission defines for ``assignment``'s items (an item's own name, or an alias)."""
    found = []
    for item in assignment.items:
        names = sorted(item.accepted_names & defined_names, key=lambda n: (n != item.name, n))
        if names:
            found.append(names[0])
    return tuple(found)


def check_matches(chosen: Assignment, defined_names: set[str], submission: str) -> None:
    """Raise WrongAssignment when the submission defines none of ``chosen``'s items but another's.

    A submission defining no graded name of any assignment is not refused: it is graded, and the
    report says that each item is missing.
    """
    if defined_items(chosen, defined_names):
        return
    others = [(name, found) for name, assignment in available().items() if name != chosen.name
              for found in [defined_items(assignment, defined_names)] if found]
    if not others:
        return
    what = " and ".join(f"{', '.join(found)} ({name})" for name, found in others)
    raise WrongAssignment(f"{submission} defines {what} but none of {chosen.name}'s items "
                          f"({', '.join(chosen.graded_names)}); check --assignment or leave it out to "
                          "detect the assignment")


def detect(defined_names: set[str]) -> Assignment:
    """The assignment whose graded names (or aliases) the submission defines most of."""
    assignments = available()
    scores = {name: len(defined_items(assignment, defined_names)) for name, assignment in assignments.items()}
    best = max(scores.values(), default=0)
    winners = sorted(name for name, score in scores.items() if score == best)
    listing = ", ".join(f"{n} ({', '.join(assignments[n].graded_names)})" for n in sorted(assignments))
    if best == 0:
        raise UnknownAssignment("could not tell which assignment this is: it defines none of the graded "
                                f"names. Pass --assignment NAME; available: {listing}")
    if len(winners) > 1:
        raise UnknownAssignment(f"the submission matches several assignments equally ({', '.join(winners)}); "
                                f"pass --assignment NAME; available: {listing}")
    return assignments[winners[0]]
