"""Checks of ``backprop_deep(xtrain, ltrain, net, T, B=100, gamma=.001, rho=.9)``: mini-batch SGD.

The student's function trains a small instrumented net on N = 123 learnable 1×28×28 images with
non-default B, gamma and rho (so hard-coded defaults show), for T = 3 epochs; the probe records the
samples of every forward, the labels of every loss and the final parameters
(grader/sandbox/probes/minibatch.py, told how to call the function by :func:`backprop_call`).
GRADING-DECISIONS.md: floor(N/B) and ceil(N/B) minibatches are both accepted; the update is judged
across steps (an optimizer rebuilt every minibatch loses its momentum) by replaying the student's own
minibatches with torch's SGD arithmetic; shuffling only the order of fixed blocks of B samples is
accepted with a warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from grader.checks.core import Check, CheckFailed, ItemContext, recorded_failure
from grader.checks.loops import MomentumSGD, samples_text
from grader.checks.signature import keeps_defaults
from grader.sandbox.common.call_spec import call, role, value
from grader.sandbox.common.probe_net import CLASSES, HIDDEN, ProbeNet

N, B, T = 123, 10, 3  #: N is not a multiple of B, so floor and ceil differ; B is neither of them
IMAGE = (1, 28, 28)
FEATURES = 28 * 28
PARAM_NAMES = ("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias")
PARAM_SHAPES = ((HIDDEN, FEATURES), (HIDDEN,), (CLASSES, HIDDEN), (CLASSES,))
RTOL, ATOL = 1e-4, 1e-6  #: final parameters vs the replay (same arithmetic; float32 rounding only)
DEFAULT_GAMMA, DEFAULT_RHO = 0.001, 0.9
MIN_DECREASE = 0.05  #: the last epoch's mean loss is at least 5 % below the first's
#: P(a correct function fails reshuffles_each_epoch): every epoch repeating the previous one's sequence
#: of minibatches. For a fresh permutation that is 1/N! per epoch; for the accepted fixed-block
#: variant (the blocks' order permuted) 1/floor(N/B)! = 1/12! per epoch, (1/12!)^(T-1) ≈ 4.4e-18.
RESHUFFLE_BOUND = 1e-17
#: P(a fresh permutation gives the same partition into minibatches in every epoch) ≤ 1/C(N, B)^(T-1).
FRESH_BOUND = 1e-27


@dataclass(frozen=True)
class Config:
    x: np.ndarray  #: (N, 1, 28, 28): each class a bright band at its own height, plus noise
    y: np.ndarray
    weights: list[np.ndarray]
    gamma: float
    rho: float
    seed: int  #: the worker's random state for the student's permutations

    def describe(self) -> str:
        return (f"backprop_deep(xtrain, ltrain, net, T={T}, B={B}, gamma={self.gamma:g}, rho={self.rho:g}) with "
                f"xtrain of shape ({N}, 1, 28, 28), ltrain of {N} labels in 0..{CLASSES - 1}")


def config(ctx: ItemContext) -> Config:
    if "config" not in ctx.memo:
        rng = ctx.rng("backprop_deep-data")
        y = rng.integers(0, CLASSES, N).astype(np.int64)
        x = rng.uniform(0.0, 0.3, (N, *IMAGE)).astype(np.float32)
        for i, label in enumerate(y):
            x[i, 0, 4 + 7 * label: 9 + 7 * label, 4:24] += 0.7
        weights = [(scale * rng.standard_normal(shape)).astype(np.float32)
                   for shape, scale in zip(PARAM_SHAPES, (0.05, 0.1, 0.3, 0.1))]
        ctx.memo["config"] = Config(x, y, weights, gamma=round(float(rng.uniform(0.02, 0.06)), 3),
                                    rho=round(float(rng.uniform(0.3, 0.7)), 2), seed=ctx.derive_seed("worker"))
    return ctx.memo["config"]


def backprop_call(name: str, cfg: Config) -> dict[str, Any]:
    """``backprop_deep(xtrain, ltrain, net, T, B, gamma, rho)``, positionally as the text orders them."""
    return call(name, role("inputs"), role("labels"), role("model"), value(T), value(B), value(cfg.gamma),
                value(cfg.rho))


def record(ctx: ItemContext) -> dict[str, Any]:
    """The probe's record, fetched once for all checks; the student's error (explained) if it raised."""
    cfg = config(ctx)
    probed = ctx.memoised("record", lambda: ctx.request("minibatch_probe", {
        "call": backprop_call(ctx.name, cfg), "x": cfg.x, "y": cfg.y, "weights": cfg.weights, "seed": cfg.seed}))
    failure = probed.get("error")
    if failure:
        hint = (". The COMPLETE placeholders of the given code must all be replaced"
                if "'COMPLETE' is not defined" in failure.get("summary", "") else "")
        raise recorded_failure(failure, ctx.name, cfg.describe(), hint)
    return probed


# -- what the net saw ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    """The minibatches in order, their logits, and their split into epochs when the count allows one
    (``per_epoch`` minibatches each).  A second forward on the same samples right after the first,
    without gradients or without a parameter update in between (to print an accuracy, say), is not a
    new minibatch; the same block starting the next epoch (fixed blocks in a new order) is."""

    batches: list[list[int]]
    logits: list[np.ndarray]
    labels: list[np.ndarray] | None  #: the labels each loss used, when every minibatch's loss was seen
    per_epoch: int | None

    def epochs(self) -> list[list[list[int]]]:
        if not self.per_epoch:
            return []
        return [self.batches[e * self.per_epoch:(e + 1) * self.per_epoch] for e in range(T)]


def run(ctx: ItemContext) -> Run:
    if "run" not in ctx.memo:
        rec = record(ctx)
        batches: list[list[int]] = []
        logits: list[np.ndarray] = []
        previous: dict[str, Any] | None = None
        for forward in rec["forwards"]:
            indices = list(forward["indices"]) if forward["indices"] is not None else [-1]
            repeated = (previous is not None and batches and indices == batches[-1]
                        and (not forward["grad_enabled"] or forward["version"] == previous["version"]))
            previous = forward
            if repeated:
                continue
            batches.append(indices)
            logits.append(np.asarray(forward["logits"]))
        labels = [np.asarray(t) for t in rec["targets"]]
        usable = len(labels) == len(batches) and all(len(t) == len(b) for t, b in zip(labels, batches))
        per_epoch = len(batches) // T if batches and len(batches) % T == 0 else None
        ctx.memo["run"] = Run(batches, logits, labels if usable else None, per_epoch)
    return ctx.memo["run"]


def _require_samples(cfg: Config, r: Run) -> None:
    if not r.batches:
        raise CheckFailed("the net was never called: call net(inputs) for every minibatch", cfg.describe())
    if any(i < 0 for batch in r.batches for i in batch):
        raise CheckFailed("the net received rows that are not samples of xtrain: pass the minibatch "
                          "xtrain[minibatch_indices] to the net unchanged (normalise the data before calling "
                          "backprop_deep, not inside it)", cfg.describe())


# -- the replay ------------------------------------------------------------------------------------

def replay(cfg: Config, r: Run, lr: float, momentum: float, restart: str = "never",
           accumulate: bool = False, true_labels: bool = False) -> list[np.ndarray]:
    """The parameters after SGD over the student's own minibatches (with the labels its losses used):
    one optimizer for the whole run, or rebuilt each "batch"/"epoch"; gradients zeroed or not."""
    net = ProbeNet.for_samples(cfg.x)
    net.set_weights(cfg.weights)
    optimizer = MomentumSGD(net.parameters(), lr=lr, momentum=momentum)
    labels = r.labels if (r.labels is not None and not true_labels) else [cfg.y[np.asarray(b)] for b in r.batches]
    for k, (batch, target) in enumerate(zip(r.batches, labels)):
        if k and (restart == "batch" or (restart == "epoch" and r.per_epoch and k % r.per_epoch == 0)):
            optimizer = MomentumSGD(net.parameters(), lr=lr, momentum=momentum)
        if not accumulate:
            optimizer.zero_grad()
        inputs = torch.from_numpy(cfg.x[np.asarray(batch)])
        F.cross_entropy(net(inputs), torch.from_numpy(np.asarray(target, dtype=np.int64))).backward()
        optimizer.step()
    return [p.detach().numpy().copy() for p in net.parameters()]


def _close(got: list[np.ndarray], expected: list[np.ndarray]) -> bool:
    return all(np.allclose(g, e, rtol=RTOL, atol=ATOL) for g, e in zip(got, expected))


# -- the properties ------------------------------------------------------------------------------

def epochs_and_minibatches(ctx: ItemContext) -> None:
    cfg, r = config(ctx), run(ctx)
    _require_samples(cfg, r)
    floor, ceil = N // B, math.ceil(N / B)
    total = len(r.batches)
    if total not in (T * floor, T * ceil):
        raise CheckFailed(f"{total} minibatch steps for T = {T} epochs of N = {N} samples in minibatches of B = {B}; "
                          f"expected T × NB = {T * floor} (NB = N // B = {floor}) or {T * ceil} (NB = ceil(N / B))"
                          + _count_hint(total, floor, ceil), cfg.describe())
    per_epoch = total // T
    for e, epoch in enumerate(r.epochs(), start=1):
        seen: dict[int, int] = {}
        for k, batch in enumerate(epoch, start=1):
            last_size = N - (per_epoch - 1) * B if per_epoch == ceil else B
            expected = last_size if k == per_epoch else B
            if len(batch) != expected:
                raise CheckFailed(f"minibatch {k} of epoch {e} holds {len(batch)} samples; expected {expected} "
                                  f"(B = {B}{', the last one the rest' if expected != B else ''})", cfg.describe())
            for i in batch:
                seen[i] = seen.get(i, 0) + 1
        repeated = [i for i, c in seen.items() if c > 1]
        if repeated:
            raise CheckFailed(f"in epoch {e}, {samples_text(repeated)} appear in more than one minibatch: draw one "
                              "permutation of the N samples per epoch (np.random.permutation(N) or torch.randperm(N)) "
                              "and cut it into consecutive minibatches, instead of sampling with replacement",
                              cfg.describe())


def _count_hint(total: int, floor: int, ceil: int) -> str:
    if total == T * B:
        return (f". It looks like NB = B: the number of minibatches is the number of samples divided by the "
                f"minibatch size, N // B = {floor}, not B")
    if total == T * N:
        return ". It looks like one sample per step: cut each epoch's permutation into minibatches of B samples"
    if total in (floor, ceil):
        return ". Only one epoch ran: loop `for epoch in range(T)`"
    if total in ((T - 1) * floor, (T + 1) * floor, (T - 1) * ceil, (T + 1) * ceil):
        return ". The number of epochs is off by one: loop `for epoch in range(T)`"
    if total % T == 0:
        return f" ({total // T} per epoch)"
    return ""


def sgd_updates(ctx: ItemContext) -> None:
    cfg, r, rec = config(ctx), run(ctx), record(ctx)
    _require_samples(cfg, r)
    got, expected = rec["params_after"], replay(cfg, r, cfg.gamma, cfg.rho)
    if _close(got, expected):
        return
    built = rec["optimizers"]
    made = ""
    if built:
        settings = sorted({(o["lr"], o["momentum"]) for o in built})
        shown = ", ".join(f"lr={lr:g}, momentum={m:g}" for lr, m in settings[:3])
        made = f" (torch.optim.SGD was built {len(built)} time{'s' if len(built) > 1 else ''}: {shown})"
    if all(np.array_equal(g, w) for g, w in zip(got, cfg.weights)):
        raise CheckFailed(f"the net's parameters never changed: call loss.backward() and then optimizer.step() for "
                          f"every minibatch, with an optimizer over net.parameters(){made}", cfg.describe())
    mistakes = (
        ("the learning rate and momentum are the defaults 0.001 and 0.9, not the gamma and rho passed in: build the "
         "optimizer with lr=gamma, momentum=rho", dict(lr=DEFAULT_GAMMA, momentum=DEFAULT_RHO)),
        ("the learning rate is 0.001, not the gamma passed in: build the optimizer with lr=gamma",
         dict(lr=DEFAULT_GAMMA, momentum=cfg.rho)),
        ("the momentum is 0.9, not the rho passed in: build the optimizer with momentum=rho",
         dict(lr=cfg.gamma, momentum=DEFAULT_RHO)),
        ("the optimizer is built anew for every minibatch, so its momentum restarts from zero at every step: build "
         "it once, before the loop over epochs", dict(lr=cfg.gamma, momentum=cfg.rho, restart="batch")),
        ("the optimizer is built anew every epoch, so its momentum restarts at each epoch: build it once, before "
         "the loop over epochs", dict(lr=cfg.gamma, momentum=cfg.rho, restart="epoch")),
        ("the gradients accumulate across minibatches: call optimizer.zero_grad() before every loss.backward()",
         dict(lr=cfg.gamma, momentum=cfg.rho, accumulate=True)),
        ("there is no momentum: use torch.optim.SGD(net.parameters(), lr=gamma, momentum=rho)",
         dict(lr=cfg.gamma, momentum=0.0)),
    )
    for text, settings in mistakes:
        if _close(got, replay(cfg, r, **settings)):
            raise CheckFailed(f"after training, the parameters are those of SGD in which {text}{made}",
                              cfg.describe())
    worst = int(np.argmax([np.max(np.abs(g - e)) for g, e in zip(got, expected)]))
    index = np.unravel_index(int(np.argmax(np.abs(got[worst] - expected[worst]))), expected[worst].shape)
    raise CheckFailed(f"after training, the parameters differ from those of SGD with lr=gamma and momentum=rho over the "
                      f"same minibatches (zero_grad, forward, cross-entropy loss, backward, step for each){made}",
                      f"{cfg.describe()}: {PARAM_NAMES[worst]}{list(map(int, index))} is "
                      f"{got[worst][index]:.6g}, expected {expected[worst][index]:.6g}")


def labels_paired(ctx: ItemContext) -> None:
    cfg, r, rec = config(ctx), run(ctx), record(ctx)
    _require_samples(cfg, r)
    if r.labels is None:
        # The loss did not go through cross-entropy/NLL as the probe sees them: judge by the parameters.
        if _close(rec["params_after"], replay(cfg, r, cfg.gamma, cfg.rho, true_labels=True)):
            return
        raise CheckFailed("could not match the labels used by the loss with the minibatches: compute the loss with "
                          "nn.CrossEntropyLoss()(outputs, labels), labels = ltrain[minibatch_indices]", cfg.describe())
    for k, (batch, used) in enumerate(zip(r.batches, r.labels)):
        expected = cfg.y[np.asarray(batch)]
        if not np.array_equal(used, expected):
            epoch, step = (divmod(k, r.per_epoch) if r.per_epoch else (0, k))
            raise CheckFailed(
                "the labels of a minibatch are not those of its inputs: take inputs and labels with the same "
                "indices, xtrain[minibatch_indices] and ltrain[minibatch_indices]",
                f"{cfg.describe()}: minibatch {step + 1} of epoch {epoch + 1} holds {samples_text(batch)}, whose "
                f"labels begin {expected[:6].tolist()}; the loss used {np.asarray(used)[:6].tolist()}")


def _sequences_equal(epochs: list[list[list[int]]]) -> bool:
    return all(e == epochs[0] for e in epochs[1:])


def reshuffles_each_epoch(ctx: ItemContext) -> None:
    cfg, r = config(ctx), run(ctx)
    _require_samples(cfg, r)
    epochs = r.epochs()
    if len(epochs) < 2 or not _sequences_equal(epochs):
        return
    order = [i for batch in epochs[0] for i in batch]
    if order == sorted(order):
        raise CheckFailed("the samples are never shuffled: every epoch takes them in the order of xtrain. Draw "
                          "shuffled_indices = np.random.permutation(N) at the start of each epoch",
                          f"{cfg.describe()}: every epoch starts with {samples_text(epochs[0][0])}")
    raise CheckFailed("every epoch uses the same permutation, so the minibatches repeat identically: draw "
                      "shuffled_indices inside the loop over epochs, not once before it",
                      f"{cfg.describe()}: every epoch starts with the minibatch {epochs[0][0]}")


def fresh_minibatches(ctx: ItemContext) -> None:
    cfg, r = config(ctx), run(ctx)
    _require_samples(cfg, r)
    epochs = r.epochs()
    if len(epochs) < 2 or _sequences_equal(epochs):
        return  # no reshuffling at all is reshuffles_each_epoch's failure
    partitions = [{frozenset(batch) for batch in epoch} for epoch in epochs]
    if all(p == partitions[0] for p in partitions[1:]):
        raise CheckFailed("the minibatches are the same fixed blocks of B samples in every epoch; only their order "
                          "changes. Accepted, but SGD then never sees other combinations of samples: permute the "
                          "samples (np.random.permutation(N)) and cut the permutation into minibatches",
                          cfg.describe())


def loss_decreases(ctx: ItemContext) -> None:
    cfg, r = config(ctx), run(ctx)
    _require_samples(cfg, r)
    losses = [float(F.cross_entropy(torch.from_numpy(np.asarray(lg, dtype=np.float32).reshape(len(b), -1)),
                                    torch.from_numpy(cfg.y[np.asarray(b)])))
              for b, lg in zip(r.batches, r.logits)]
    third = max(1, len(losses) // T)
    first, last = float(np.mean(losses[:third])), float(np.mean(losses[-third:]))
    if last <= (1 - MIN_DECREASE) * first:
        return
    raise CheckFailed(f"the training loss does not decrease on learnable data: mean {first:.4g} over the first "
                      f"epoch's minibatches, {last:.4g} over the last epoch's", cfg.describe())


def inputs_unchanged(ctx: ItemContext) -> None:
    cfg, rec = config(ctx), record(ctx)
    changed = [name for name, same in (("xtrain", rec["inputs_unchanged"]), ("ltrain", rec["labels_unchanged"]))
               if not same]
    if changed:
        raise CheckFailed(f"backprop_deep modified {' and '.join(changed)} in place: the caller's data must be left "
                          "as it was (index it with the minibatch indices instead of shuffling or rescaling it)",
                          cfg.describe())


#: One epoch of more than 100 minibatches: the given code prints its running loss every 100 minibatches,
#: which the other checks' runs (12 or 13 minibatches an epoch) never reach, and the real run always does.
#: The data set twice over in minibatches of two (not one: a squeeze() must not decide this check).
LONG_RUN_B = 2


def long_epoch(ctx: ItemContext) -> None:
    cfg = config(ctx)
    x, y = np.concatenate([cfg.x, cfg.x]), np.concatenate([cfg.y, cfg.y])
    described = (f"backprop_deep(xtrain, ltrain, net, T=1, B={LONG_RUN_B}, gamma={cfg.gamma:g}, rho={cfg.rho:g}) "
                 f"with xtrain of shape ({len(x)}, 1, 28, 28): {len(x) // LONG_RUN_B} minibatches")
    probed = ctx.request("minibatch_probe", {
        "call": call(ctx.name, role("inputs"), role("labels"), role("model"), value(1), value(LONG_RUN_B),
                     value(cfg.gamma), value(cfg.rho)),
        "x": x, "y": y, "weights": cfg.weights, "seed": cfg.seed})
    failure = probed.get("error")
    if failure:
        try:
            record(ctx)
            hint = (". The shorter runs of the other checks went through: it fails where the real run (600 "
                    "minibatches an epoch) goes further, e.g. the progress print every 100 minibatches")
        except CheckFailed:
            hint = ""
        raise recorded_failure(failure, ctx.name, described, hint)


CHECKS = (
    Check("epochs_and_minibatches", "T epochs, each of floor(N/B) or ceil(N/B) minibatches of B samples drawn "
          "without repetition", 3, epochs_and_minibatches),
    Check("sgd_updates", "SGD with learning rate gamma and momentum rho, one optimizer for the whole run, "
          "gradients zeroed before each backward", 4, sgd_updates),
    Check("labels_paired", "each minibatch's labels are those of its inputs", 2, labels_paired),
    Check("reshuffles_each_epoch", "the samples are reshuffled every epoch", 2, reshuffles_each_epoch,
          false_failure_bound=RESHUFFLE_BOUND),
    Check("fresh_minibatches", "each epoch cuts a fresh permutation of the samples into minibatches", 0,
          fresh_minibatches, warning_only=True, false_failure_bound=FRESH_BOUND),
    Check("loss_decreases", "the training loss decreases on learnable data", 1, loss_decreases),
    Check("inputs_unchanged", "xtrain and ltrain are left unchanged", 1, inputs_unchanged),
    Check("long_epoch", "an epoch of more than 100 minibatches runs through (the progress print every 100 "
          "minibatches included)", 1, long_epoch),
    Check("keeps_defaults", "keeps the given defaults B=100, gamma=.001, rho=.9 (the notebook's own call uses them)",
          1, keeps_defaults({"B": 100, "gamma": DEFAULT_GAMMA, "rho": DEFAULT_RHO},
                            "backprop_deep(xtrain, ltrain, net, T, B=100, gamma=.001, rho=.9)",
                            "backprop_deep(xtrain, ltrain, net, T=3)")),
)
