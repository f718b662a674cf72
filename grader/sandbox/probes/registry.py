"""Every operation the judge may request of the worker, by name, and their joint warm-up."""

from __future__ import annotations

from typing import Any, Callable

from grader.sandbox import learning_probes, loop_probes, minibatch_probes, probes, structure_probes

OPERATIONS: dict[str, Callable[..., Any]] = {
    **probes.PROBES,
    **structure_probes.STRUCTURE_PROBES,
    **loop_probes.LOOP_PROBES,
    **learning_probes.LEARNING_PROBES,
    **minibatch_probes.MINIBATCH_PROBES,
}


def warm_up() -> None:
    """Run every probe's torch paths once, before the guard's snapshot (torch patches itself lazily)."""
    probes.warm_up()
    loop_probes.warm_up()
    learning_probes.warm_up()
    minibatch_probes.warm_up()
