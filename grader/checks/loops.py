"""Judging training-loop functions from what an instrumented model saw (see grader.sandbox.probes.loop).

Shared by every assignment with an epoch function (run_epoch, train, validation): the batches
each epoch's forwards saw, the loss and accuracy under each convention a text may mean, a
written-out SGD with momentum for the reference epochs, and the phrases of the messages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from grader.checks.core import CheckFailed

PARAM_RTOL, PARAM_ATOL = 1e-5, 1e-6  #: parameters after a training epoch vs the reference's
ACCURACY_TOL = 1e-6  #: absolute tolerance of a returned accuracy (a float32 tensor is accepted)


@dataclass(frozen=True)
class Setup:
    """One probe epoch's shape: how many samples, in batches of what size, and the SGD momentum."""

    samples: int
    batch_size: int  #: never a divisor of ``samples``: the last batch is partial
    momentum: float


#: Two epochs' shapes, so that a loop right by accident on one is caught on the other.
SETUPS = (Setup(23, 5, 0.9), Setup(18, 8, 0.5))


@dataclass(frozen=True)
class Batches:
    """The batches one epoch's forwards saw, in order; a second forward on the same batch the loader
    yielded (say, once for the loss and once for the accuracy) is not a new batch."""

    indices: list[list[int]]
    logits: list[np.ndarray]


def batches_of(forwards: list[dict[str, Any]]) -> Batches:
    indices: list[list[int]] = []
    logits: list[np.ndarray] = []
    previous = None
    for f in forwards:
        batch = f.get("batch")
        if batch is not None and batch == previous:
            continue
        previous = batch
        indices.append(list(f["indices"]) if f["indices"] is not None else [-1])
        logits.append(np.asarray(f["logits"]))
    return Batches(indices, logits)


def standard_batches(samples: int, batch_size: int) -> list[list[int]]:
    """The batches of DataLoader(dataset, batch_size, shuffle=False)."""
    return [list(range(start, min(start + batch_size, samples))) for start in range(0, samples, batch_size)]


@dataclass(frozen=True)
class Statistics:
    """Loss and accuracy of one epoch under every convention, from the logits of its batches."""

    template_loss: float  #: sum of batch-mean losses / len(dataset)
    sample_loss: float  #: per-sample mean over the dataset
    batch_mean_loss: float  #: sum of batch-mean losses / len(dataloader)
    summed_loss: float  #: sum of batch-mean losses, not divided
    correct: int
    accuracy: float  #: correct / len(dataset)
    batch_mean_accuracy: float  #: mean of the batches' accuracies
    by_batches_accuracy: float  #: correct / len(dataloader)


def statistics(batches: Batches, y: np.ndarray, samples: int, num_batches: int) -> Statistics:
    """The epoch's figures from the logits the model produced, whatever the loop did with them."""
    n = samples
    if any(i < 0 for idx in batches.indices for i in idx):
        raise CheckFailed("the model received rows that are not samples of the dataset, so the loss and accuracy "
                          "cannot be checked: pass each batch's inputs to the model unchanged")
    means, sizes, corrects = [], [], []
    for idx, logits in zip(batches.indices, batches.logits):
        labels = torch.from_numpy(y[np.asarray(idx)])
        out = torch.from_numpy(np.asarray(logits, dtype=np.float32).reshape(len(idx), -1))
        means.append(float(F.cross_entropy(out, labels)))
        sizes.append(len(idx))
        corrects.append(int((out.argmax(dim=1) == labels).sum()))
    total = float(sum(means))
    return Statistics(
        template_loss=total / n, sample_loss=float(np.dot(means, sizes)) / n, batch_mean_loss=total / num_batches,
        summed_loss=total, correct=sum(corrects), accuracy=sum(corrects) / n,
        batch_mean_accuracy=float(np.mean([c / s for c, s in zip(corrects, sizes)])) if sizes else 0.0,
        by_batches_accuracy=sum(corrects) / num_batches)


def batch_loader(x: np.ndarray, y: np.ndarray, batches: list[list[int]]) -> DataLoader:
    """A loader yielding exactly ``batches`` (lists of sample indices), for the reference's epochs."""
    return DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_sampler=batches)


def relative_gap(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-12)


def conventions_differ(s: Statistics, distinct: float) -> bool:
    """On these figures the accepted loss conventions, and the fraction of correct samples and the
    mean of the batches' accuracies, each give their own number (so a message can tell them apart)."""
    losses = (s.template_loss, s.sample_loss, s.batch_mean_loss)
    if min(relative_gap(a, b) for i, a in enumerate(losses) for b in losses[i + 1:]) < distinct:
        return False
    return abs(s.batch_mean_accuracy - s.accuracy) >= distinct


def updates_differ(weights: list[np.ndarray], trained: list[np.ndarray], accumulated: list[np.ndarray],
                   distinct: float) -> bool:
    """A reference epoch moves the weights, and differently from one that never zeroes the gradients."""
    return max_relative_error(accumulated, trained) > distinct and max_relative_error(weights, trained) > distinct


class MomentumSGD:
    """``torch.optim.SGD(params, lr, momentum)`` written out (no dampening, Nesterov or weight decay):
    the same arithmetic, step for step, without the second or so that torch.optim's first use costs
    the judge (it imports torch's compiler).  tests/test_loop_probes.py checks it against torch's."""

    def __init__(self, params: Any, lr: float, momentum: float) -> None:
        self.params = list(params)
        self.lr, self.momentum = lr, momentum
        self.buffers: list[torch.Tensor | None] = [None] * len(self.params)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            step = p.grad
            if self.momentum:
                buffer = self.buffers[i]
                if buffer is None:
                    buffer = self.buffers[i] = torch.clone(step).detach()
                else:
                    buffer.mul_(self.momentum).add_(step)
                step = buffer
            p.add_(step, alpha=-self.lr)


def accumulated_epoch(model: torch.nn.Module, loader: DataLoader, lr: float, momentum: float) -> list[np.ndarray]:
    """The parameters after the classic bug, simulated: a training epoch whose gradients are never
    zeroed, so they accumulate across batches."""
    optimizer = MomentumSGD(model.parameters(), lr=lr, momentum=momentum)
    for xb, yb in loader:
        F.cross_entropy(model(xb), yb).backward()
        optimizer.step()
    return [p.detach().numpy().copy() for p in model.parameters()]


# -- comparing and describing ------------------------------------------------------------------

def max_relative_error(got: list[np.ndarray], expected: list[np.ndarray]) -> float:
    return max(float(np.max(np.abs(g - e) / (np.abs(e) + PARAM_ATOL / PARAM_RTOL))) for g, e in zip(got, expected))


def params_close(got: list[np.ndarray], expected: list[np.ndarray]) -> bool:
    return all(np.allclose(g, e, rtol=PARAM_RTOL, atol=PARAM_ATOL) for g, e in zip(got, expected))


def _value_text(item: dict[str, Any]) -> str:
    if "number" in item:
        return f"{item['number']:.6g}" + (" (0-dim tensor)" if item.get("tensor") else "")
    shape = f" of shape ({', '.join(map(str, item['shape']))})" if "shape" in item else ""
    return f"a {item['type']}{shape}"


def returned_text(returned: dict[str, Any]) -> str:
    if returned["length"] is None:
        return _value_text(returned["items"][0])
    values = ", ".join(_value_text(i) for i in returned["items"])
    more = ", …" if returned["length"] > len(returned["items"]) else ""
    return f"a {returned['type']} of {returned['length']} values ({values}{more})"


def returned_pair(record: dict[str, Any]) -> tuple[float, float] | None:
    returned = record["returned"]
    items = returned["items"]
    if returned["length"] != 2 or not all("number" in i for i in items):
        return None
    return items[0]["number"], items[1]["number"]


def returned_value(record: dict[str, Any], position: int, what: str, where: str) -> float:
    """Item ``position`` of the returned (loss, accuracy) pair; ``where`` says which call returned it."""
    pair = returned_pair(record)
    if pair is None:
        raise CheckFailed(f"cannot read the {what}: {where} returned {returned_text(record['returned'])}, "
                          "not the pair (loss, accuracy)")
    return pair[position]


def samples_text(indices: list[int]) -> str:
    """'samples 20–22' for a run, a short list otherwise."""
    indices = sorted(indices)
    if indices == list(range(indices[0], indices[-1] + 1)) and len(indices) > 2:
        return f"samples {indices[0]}–{indices[-1]}"
    shown = ", ".join(map(str, indices[:8])) + (", …" if len(indices) > 8 else "")
    return f"sample{'s' if len(indices) > 1 else ''} {shown}"


# -- verdicts shared by every epoch function ---------------------------------------------------

def check_every_sample_once(batches: list[list[int]], samples: int, batch_size: int, where: str, when: str) -> None:
    """Every sample reached the model exactly once (``when``: "in training", "in evaluation"...)."""
    seen = Counter(i for batch in batches for i in batch)
    if not batches:
        raise CheckFailed(f"the model was never called {when}", where)
    if -1 in seen:
        raise CheckFailed("the model received rows that are not samples of the dataset: pass each batch's "
                          "inputs to the model unchanged", where)
    missing = [i for i in range(samples) if seen[i] == 0]
    repeated = [i for i, c in seen.items() if c > 1]
    if missing:
        last = list(range(samples - samples % batch_size, samples))
        hint = (" (the last, partial batch): iterate over the whole dataloader, including a last batch "
                "smaller than batch_size" if missing == last else "")
        also = f", while {samples_text(repeated)} reached it more than once" if repeated else ""
        raise CheckFailed(f"{when}, {samples_text(missing)} never reached the model{hint}{also}; every sample "
                          "must be used exactly once per epoch, each batch of the dataloader once", where)
    if repeated:
        raise CheckFailed(f"{when}, {samples_text(repeated)} reached the model more than once; go through the "
                          "dataloader once per epoch, each batch once", where)


def check_accuracy(got: float, s: Statistics, samples: int, where: str, when: str) -> None:
    """The returned accuracy is correct samples / dataset size; otherwise name the likely mistake."""
    if abs(got - s.accuracy) <= ACCURACY_TOL:
        return
    hints = ((100 * s.accuracy, "a percentage: return the fraction, correct / len(dataloader.dataset)"),
             (s.correct, "the number of correct samples: divide it by len(dataloader.dataset)"),
             (s.batch_mean_accuracy, "the mean of the batches' accuracies, which weighs the small last batch "
                                     "like a full one: count correct samples and divide by the dataset size"),
             (s.by_batches_accuracy, "divided by the number of batches (len(dataloader)): divide by the number of "
                                     "samples, len(dataloader.dataset)"))
    hint = next((h for value, h in hints if abs(got - value) <= 1e-4 * max(1.0, abs(value))), "")
    raise CheckFailed(f"{when} the returned accuracy is {got:.6g}; expected the fraction of correctly "
                      f"classified samples, {s.correct}/{samples} = {s.accuracy:.6g}"
                      + (f". It looks like {hint}." if hint else ""), where)


def check_trained(got: list[np.ndarray], expected: list[np.ndarray], accumulated: list[np.ndarray],
                  initial: list[np.ndarray], steps: int, batches: int, where: str, names: tuple[str, ...]) -> None:
    """The parameters after a training epoch equal the reference epoch's; otherwise name the likely
    cause (no step, gradients zeroed at the wrong place or never) and the largest difference."""
    if params_close(got, expected):
        return
    if all(np.array_equal(g, w) for g, w in zip(got, initial)):
        if steps == 0:
            raise CheckFailed("a training epoch did not change the parameters: optimizer.step() is never "
                              "called (after loss.backward(), once per batch)", where)
        raise CheckFailed(f"a training epoch did not change the parameters although optimizer.step() was called "
                          f"{steps} times: are the gradients zeroed between loss.backward() and "
                          "optimizer.step()? Zero them before the backward pass.", where)
    if params_close(got, accumulated):
        raise CheckFailed("the gradients accumulate across batches: call optimizer.zero_grad() (or "
                          "model.zero_grad()) once per batch, before loss.backward()", where)
    worst = int(np.argmax([np.max(np.abs(g - e)) for g, e in zip(got, expected)]))
    index = np.unravel_index(int(np.argmax(np.abs(got[worst] - expected[worst]))), expected[worst].shape)
    count = "" if steps == batches else f"; optimizer.step() was called {steps} times for {batches} batches"
    raise CheckFailed(
        "after one training epoch the parameters differ from those of the reference epoch (for each batch: "
        "zero the gradients, cross-entropy of the model's output, loss.backward(), optimizer.step())"
        f"{count}; largest relative difference {max_relative_error(got, expected):.2g}",
        f"{where}: {names[worst]}{list(map(int, index))} is {got[worst][index]:.6g}, "
        f"expected {expected[worst][index]:.6g}")
