"""The one registry: every operation the judge may request of an executor, by name, and their joint warm-up."""

from __future__ import annotations

from typing import Any, Callable

from grader.sandbox.probes import core, gpu, learning, loop, minibatch, smoke, structure

OPERATIONS: dict[str, Callable[..., Any]] = {
    **core.PROBES,
    **structure.STRUCTURE_PROBES,
    **loop.LOOP_PROBES,
    **learning.LEARNING_PROBES,
    **minibatch.MINIBATCH_PROBES,
    **smoke.SMOKE_PROBES,
    **gpu.GPU_PROBES,  # asked of CUDA executors only; no warm-up: the zygote never touches CUDA
}


def warm_up() -> None:
    """Run every probe's torch paths once, before the guard's snapshot (torch patches itself lazily)."""
    core.warm_up()
    loop.warm_up()
    learning.warm_up()
    minibatch.warm_up()
    smoke.warm_up()
