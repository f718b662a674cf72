"""``python -m grader``: fork the zygote right after ``import torch``, then run the command line.

The zygote (grader/sandbox/executor/zygote.py) is forked before this process imports anything of
an assignment and before any torch operation, so the executors it forks later share
this one torch import.  The hash seed is fixed first (re-executing once if needed) so
that the same submission always gets the same grade: executors inherit it by fork.
"""

import sys

from grader.sandbox.judge import launcher

launcher.pin_hash_seed("grader", sys.argv[1:])
if len(sys.argv) > 1 and sys.argv[1] == "grade":
    launcher.fork_shared()

from grader.cli import main  # noqa: E402

sys.exit(main())
