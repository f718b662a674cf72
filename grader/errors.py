"""The grader's exceptions: one root, each subclass named after what went wrong.

Each carries a message for the person who ran the grader and says what to do.
The CLI maps them to exit codes (see ``EXIT_*``).
"""

from __future__ import annotations

#: Exit codes of ``python -m grader`` (documented in README.md).
EXIT_GRADED = 0  #: the submission was graded, whatever the score
EXIT_BAD_INPUT = 2  #: unreadable/missing submission, unknown assignment, bad arguments
EXIT_INTERNAL = 3  #: the grader itself failed (a bug: please report it)


class GraderError(Exception):
    """Root of every error the grader raises on purpose."""

    exit_code = EXIT_INTERNAL


class BadInput(GraderError):
    """The submission or the command line is unusable; the message says how to fix it."""

    exit_code = EXIT_BAD_INPUT


class UnreadableSubmission(BadInput):
    """The submission file is missing, not a notebook, or not decodable. Check the path and format."""


class UnknownAssignment(BadInput):
    """No assignment by that name, or detection from the graded names failed. Pass --assignment."""


class WrongAssignment(BadInput):
    """--assignment names an assignment the submission is not for. Check --assignment or leave it out."""


class InternalError(GraderError):
    """Something inside the grader broke. This is a grader bug, not the student's fault."""

    exit_code = EXIT_INTERNAL
