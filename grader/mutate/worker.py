"""A grading worker: grades mutant files one after another, so they share one torch import and one zygote.

Run as ``python -m grader.mutate.worker`` by :mod:`grader.mutate.grading`.  It reads one JSON request a
line on stdin (``{"path", "item", "assignment", "seed"}``) and answers each with one JSON line on stdout
(``{"score", "max_score", "lost": [check names], "error"}``).  Like ``python -m grader``, it forks the
zygote right after ``import torch`` and before anything of an assignment is imported.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Iterable, TextIO

#: A mutant that hangs has lost its points long before this: bound what one mutant may cost.
SUBMISSION_TIMEOUT_S = 60.0


def serve(requests: Iterable[str], replies: TextIO) -> None:
    from grader.grade import GradeOptions, grade
    from grader.sandbox.common.limits import Limits

    limits = Limits(submission_timeout_s=SUBMISSION_TIMEOUT_S)
    for line in requests:
        request = json.loads(line)
        options = GradeOptions(assignment=request["assignment"], seed=request["seed"], limits=limits,
                               items=(request["item"],))
        try:
            result = grade(request["path"], options)
        except Exception as exc:  # noqa: BLE001 - one mutant the grader could not grade: say so, go on
            reply = {"score": None, "max_score": None, "lost": [], "error": f"{type(exc).__name__}: {exc}"}
        else:
            lost = [c.name for i in result.items for c in i.checks if c.points < c.max_points]
            reply = {"score": result.score, "max_score": result.max_score, "lost": lost, "error": None}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def main() -> None:
    from grader.sandbox.judge import launcher

    launcher.pin_hash_seed("grader.mutate.worker", [])  # the same grade for the same mutant
    launcher.fork_shared()
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    sys.stdout = sys.stderr  # anything printed by the grader must not mix with the replies
    serve(sys.stdin, replies)


if __name__ == "__main__":
    main()
