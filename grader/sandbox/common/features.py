"""Switching kernel features off, to run (and test) the sandbox as on machines that lack them.

``GRADER_SANDBOX_WITHOUT=namespaces,landlock,seccomp,cgroup`` makes each of those limits report
itself "not available" exactly as on a machine without it (Colab without root, a laptop's Linux
with user namespaces disabled, a container without cgroup delegation): the grader still runs and
lists the limits not applied.  Read by the executor and the judge alike; imports nothing.
"""

from __future__ import annotations

import os

ENV = "GRADER_SANDBOX_WITHOUT"
FEATURES = ("namespaces", "landlock", "seccomp", "cgroup")


def disabled(feature: str) -> bool:
    """Whether ``feature`` (one of FEATURES) is switched off for this process and its children."""
    return feature in {part.strip() for part in os.environ.get(ENV, "").split(",")}


def note(feature: str) -> str:
    return f"switched off ({ENV}={os.environ.get(ENV, '')})"
