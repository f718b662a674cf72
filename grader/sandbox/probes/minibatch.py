"""Probe of a whole mini-batch training function: one that trains a net on tensors of samples and labels.

The judge describes the call (call_spec): which function, and where the samples, the labels and the
net go among its arguments, the rest being values.  The student's function trains an instrumented
net (probe_net.ProbeNet) on tensors the judge sends.
Everything it does is recorded as plain data: which samples each forward saw (rows matched against
the data set), the labels each loss was computed with (``F.cross_entropy``/``F.nll_loss`` are
watched during the call, which ``nn.CrossEntropyLoss`` goes through), the optimizers it built, the
final parameters and whether the inputs were modified.  Every verdict is the judge's.
Imports nothing from ``reference/`` or ``assignments/``.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator

import numpy as np
import torch
import torch.nn.functional as F

from grader.sandbox.common.probe_net import ProbeNet
from grader.sandbox.executor.student import StudentCodeError, StudentModule
from grader.sandbox.probes.core import _isinstance, seed_everything, to_array
from grader.sandbox.probes.loop import function_of, parse_call
from grader.sandbox.probes.loop_fakes import describe_return, params_of

_SGD = torch.optim.SGD
#: What minibatch_probe supplies for each role of its call description (besides "value").
MINIBATCH_ROLES = ("inputs", "labels", "model")
MAX_RECORDS = 2000  #: forwards and loss calls kept (a loop far beyond the expected steps says enough)


class _RecordingSGD(_SGD):
    """torch's SGD, reporting how it was built (the learning rate and momentum the student chose)."""

    built: list[dict[str, Any]] = []

    def __init__(self, params: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(params, *args, **kwargs)
        group = self.param_groups[0] if self.param_groups else {}
        _RecordingSGD.built.append({"lr": float(group.get("lr", float("nan"))),
                                    "momentum": float(group.get("momentum", float("nan")))})


@contextlib.contextmanager
def _watched(targets: list[np.ndarray]) -> Iterator[None]:
    """While the student's function runs: every cross-entropy/NLL loss records its labels, and
    ``torch.optim.SGD`` records how it is built."""
    originals = {"cross_entropy": F.cross_entropy, "nll_loss": F.nll_loss}

    def spy(name: str) -> Callable[..., Any]:
        original = originals[name]

        def loss(input: Any, target: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002 - torch's names
            if len(targets) < MAX_RECORDS and _isinstance(target, torch.Tensor) and target.device.type != "meta":
                targets.append(to_array(target).astype(np.int64).ravel())
            return original(input, target, *args, **kwargs)

        loss.__name__ = loss.__qualname__ = name
        return loss

    _RecordingSGD.built = []
    for name in originals:
        setattr(F, name, spy(name))
    torch.optim.SGD = _RecordingSGD
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(F, name, original)
        torch.optim.SGD = _SGD


def minibatch_probe(student: StudentModule, call: dict[str, Any], x: np.ndarray, y: np.ndarray,
                    weights: list[np.ndarray], seed: int) -> dict[str, Any]:
    """Make ``call`` with the samples ``x`` (role "inputs"), the labels ``y`` ("labels") and an
    instrumented net ("model"), torch seeded with ``seed``, and report what happened."""
    parsed = parse_call(call, MINIBATCH_ROLES)
    function = function_of(student, parsed)
    seed_everything(seed)
    net = ProbeNet.for_samples(x)
    net.set_weights(weights)
    inputs = torch.from_numpy(np.array(x, dtype=np.float32))
    labels = torch.from_numpy(np.array(y, dtype=np.int64))
    things = {"inputs": inputs, "labels": labels, "model": net}
    args, kwargs = parsed.bind(lambda argument: things[argument.role])
    targets: list[np.ndarray] = []
    record: dict[str, Any] = {}
    try:
        with _watched(targets):
            value = student.call(function, *args, **kwargs)
        record["returned"] = describe_return(value)
    except StudentCodeError as exc:
        record["error"] = exc.failure
    forwards = net.forwards[:MAX_RECORDS]
    record.update(
        forwards=[{key: f[key] for key in ("indices", "training", "grad_enabled", "version", "logits")}
                  for f in forwards],
        forward_count=len(net.forwards), targets=targets, optimizers=list(_RecordingSGD.built),
        params_after=params_of(net),
        inputs_unchanged=bool(np.array_equal(to_array(inputs), np.asarray(x, dtype=np.float32))),
        labels_unchanged=bool(np.array_equal(to_array(labels), np.asarray(y, dtype=np.int64))))
    return record


def warm_up() -> None:
    """Run the watched paths once before the guard's snapshot (torch imports some lazily)."""
    x = np.linspace(0, 1, 4 * 6, dtype=np.float32).reshape(4, 1, 2, 3)
    net = ProbeNet.for_samples(x)
    targets: list[np.ndarray] = []
    with _watched(targets):
        optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.5)
        loss = torch.nn.CrossEntropyLoss()(net(torch.from_numpy(x)), torch.tensor([0, 1, 2, 0]))
        loss.backward()
        optimizer.step()
        F.nll_loss(F.log_softmax(net(torch.from_numpy(x)), 1), torch.tensor([0, 1, 2, 0]))


#: Operations the judge may request, by name (collected in grader.sandbox.probes.registry).
MINIBATCH_PROBES: dict[str, Callable[..., Any]] = {"minibatch_probe": minibatch_probe}
