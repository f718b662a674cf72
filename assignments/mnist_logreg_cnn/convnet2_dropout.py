"""ConvNet2's dropout checks: ``dropout_train_vs_eval`` and ``dropout_placement``.

GRADING-DECISIONS.md: check where the dropout acts and its rate, not only that two training passes
differ.  ``dropout_placement`` compares the training-mode ``layer_io`` run with the eval-mode ones to
locate the randomness, then tests the mask's rate and independence (Hoeffding bounds).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from grader.checks.core import CheckFailed, ItemContext
from grader.checks.stats import CHECK_BOUND, hoeffding_halfwidth, one_sided_halfwidth
from grader.checks.tensors import require_tensor, shape_str

from .convnet2_common import (FEATURES, HIDDEN, IMAGE, LAYER_BATCH, RATE, Run, close, dropout_scale, images,
                              layer_runs, pooled)

#: Sub-tests of dropout_placement, sharing CHECK_BOUND by a union bound.
PLACEMENT_TESTS = ("rate", "neighbours", "batch")


# -- dropout ---------------------------------------------------------------------------------

def dropout_train_vs_eval(ctx: ItemContext) -> None:
    # A correct model gives two equal training passes only if both masks agree on every non-zero
    # feature: probability 2^-k with k in the thousands, far below CHECK_BOUND.
    x = images(ctx, 4, "modes")
    modes = ("train", "train", "eval", "eval")
    calls = [{"input": x, "mode": mode, "seed": ctx.derive_seed("modes", i)} for i, mode in enumerate(modes)]
    outputs = []
    for mode, call in zip(modes, ctx.exercise((), calls)):
        require_tensor(call["output"], f"ConvNet2 in {mode} mode on a batch of shape {shape_str(x.shape)}")
        outputs.append(np.asarray(call["output"]["data"]))
    where = f"two forward passes of one ConvNet2 on the same batch of shape {shape_str(x.shape)}, different seeds"
    if np.array_equal(outputs[0], outputs[1]):
        raise CheckFailed("in training mode two forward passes on the same batch give identical outputs: no dropout "
                          "is active. Add nn.Dropout(0.5) on the input of the first linear layer", where)
    if not np.array_equal(outputs[2], outputs[3]):
        raise CheckFailed("in eval mode two forward passes on the same batch differ: the dropout is still active "
                          "after model.eval(). nn.Dropout switches itself off; with the functional form write "
                          "F.dropout(x, 0.5, training=self.training)", where)


def _mapping(eval_in: np.ndarray | None, eval_out: np.ndarray | None) -> Callable[[np.ndarray], np.ndarray] | None:
    """The deterministic step (identity, ReLU, log-softmax, softmax) that eval mode applies between two
    captured points, to replay on the training run's values; None when it is none of these."""
    if eval_in is None or eval_out is None:
        return None
    steps: list[Callable[[np.ndarray], np.ndarray]] = [
        lambda v: v, lambda v: np.maximum(v, 0),
        lambda v: torch.log_softmax(torch.from_numpy(v.astype(np.float32)), dim=-1).numpy(),
        lambda v: torch.softmax(torch.from_numpy(v.astype(np.float32)), dim=-1).numpy()]
    return next((step for step in steps if close(eval_out, step(eval_in))), None)


def _later_randomness(train: Run, reference: Run) -> str:
    """Where, after the first linear layer, the training run stops following eval mode's steps."""
    points = {"hidden": (lambda r: r.fc1()["output"], lambda r: (r.fc2() or {}).get("input")),
              "logits": (lambda r: (r.fc2() or {}).get("output"), lambda r: r.output)}
    for name, (before, after) in points.items():
        step = _mapping(before(reference), after(reference))
        if step is not None and before(train) is not None and not close(after(train), step(before(train))):
            return name
    return ""


def _baseline(train: Run, eval1: Run, eval2: Run) -> np.ndarray:
    """The first linear layer's input without dropout: eval mode's, or, when eval mode is itself random
    (charged by dropout_train_vs_eval), the max-pool of ReLU recomputed from the training run's convolution."""
    first, second = eval1.fc1()["input"], eval2.fc1()["input"]
    if close(first, second):
        return first
    if train.convs and train.convs[0].get("output") is not None:
        recomputed = pooled(train.convs[0]["output"])
        if recomputed.shape == train.fc1()["input"].shape:
            return recomputed
    raise CheckFailed("the first linear layer's input differs between two eval-mode passes, so the dropout is "
                      "active in eval mode (see dropout_train_vs_eval) and its placement cannot be judged")


def _pairs_agreement(kept: np.ndarray, usable: np.ndarray, axis: int) -> tuple[float, int]:
    """Fraction of disjoint neighbouring pairs (along ``axis``) that share their keep/drop decision.

    At p = 0.5 the agreements of disjoint pairs of an i.i.d. mask are i.i.d. fair coins; pairs are
    taken only where both features are non-zero in eval mode (chosen without looking at the mask)."""
    kept, usable = np.moveaxis(kept, axis, 0), np.moveaxis(usable, axis, 0)
    even = (len(kept) // 2) * 2
    a, b = kept[0:even:2], kept[1:even:2]
    both = usable[0:even:2] & usable[1:even:2]
    count = int(both.sum())
    return (float(np.mean((a == b)[both])) if count else 0.5), count


def _mask_problem(kept: np.ndarray, usable: np.ndarray) -> str:
    """The rate and independence tests (Hoeffding, CHECK_BOUND split over PLACEMENT_TESTS)."""
    bound = CHECK_BOUND / len(PLACEMENT_TESTS)
    n = int(usable.sum())
    zero_fraction = 1.0 - float(kept[usable].mean())
    rate_ok = abs(zero_fraction - RATE) <= hoeffding_halfwidth(n, bound)
    dependence = []
    for axis, what in ((1, "neighbouring features of an image"), (0, "the images of a batch")):
        agreement, pairs = _pairs_agreement(kept, usable, axis)
        if pairs and agreement > 0.5 + one_sided_halfwidth(pairs, bound):
            expected = zero_fraction ** 2 + (1 - zero_fraction) ** 2  # under independence at the observed rate
            dependence.append((what, agreement, expected, pairs))
    strong = [d for d in dependence if d[1] > d[2] + one_sided_halfwidth(d[3], bound)]
    if strong or (dependence and rate_ok):
        what, agreement, _, _ = (strong or dependence)[0]
        return (f"the dropout decisions are not independent across {what}: {agreement:.0%} of neighbouring pairs "
                "are both kept or both dropped, expected about 50%. Each element must be dropped on its own "
                "(nn.Dropout(0.5); nn.Dropout2d drops whole feature maps, and one mask for the batch drops the "
                "same features in every image)")
    if not rate_ok:
        return (f"{zero_fraction:.1%} of the first linear layer's inputs are zeroed in training mode, so the dropout "
                f"rate is about p = {zero_fraction:.2f}; ConvNet2 uses p = {RATE} (nn.Dropout(0.5): p is the "
                f"probability of zeroing an element)")
    return ""


def dropout_placement(ctx: ItemContext) -> None:
    train, eval1, eval2 = layer_runs(ctx)
    where = (f"the input of the first linear layer, captured by a forward hook, on one batch of shape "
             f"{shape_str((LAYER_BATCH,) + IMAGE)} in training mode and in eval mode")
    if train.fc1() is None or eval1.fc1() is None or eval2.fc1() is None:
        raise CheckFailed("no linear layer runs in forward, so the dropout before the first one cannot be located",
                          f"layers called: {train.layers_text()}")
    got = train.fc1()["input"]
    base = _baseline(train, eval1, eval2)
    got, base = got.reshape(len(got), -1), base.reshape(len(base), -1)
    if train.convs and eval1.convs and not close(train.convs[0].get("input"), eval1.convs[0].get("input")):
        raise CheckFailed("the images are already changed before the convolution in training mode: the dropout acts "
                          "on the input images. ConvNet2's dropout acts on the input of the first linear layer", where)
    if close(got, base):
        later = _later_randomness(train, eval1)
        if later == "hidden":
            raise CheckFailed("the dropout acts between the two linear layers (on the 500 hidden units), not on the "
                              "input of the first linear layer: put nn.Dropout(0.5) right before "
                              f"Linear({FEATURES}, {HIDDEN})", where)
        if later == "logits":
            raise CheckFailed("the dropout acts on the network's output (the logits), not on the input of the first "
                              f"linear layer: put nn.Dropout(0.5) right before Linear({FEATURES}, {HIDDEN})", where)
        raise CheckFailed("the input of the first linear layer is the same in training and eval mode: there is no "
                          f"dropout before Linear({FEATURES}, {HIDDEN})", where)
    scale = dropout_scale(got, base, minimum=0.0)
    if scale is None:
        raise CheckFailed("in training mode the first linear layer's input is not its eval-mode value with some "
                          "elements zeroed and the others scaled: the dropout acts earlier, before the ReLU or the "
                          "max-pool (e.g. on the convolution's output). Put it on the pooled features, right before "
                          f"Linear({FEATURES}, {HIDDEN})", where)
    usable = base != 0
    if not usable.any():
        raise CheckFailed("every input of the first linear layer is 0 in eval mode, so the dropout cannot be seen",
                          where)
    problem = _mask_problem(got != 0, usable)
    if problem:
        raise CheckFailed(problem, f"{where}: {int(usable.sum())} non-zero features")
    if not np.isclose(scale, 1 / (1 - RATE), rtol=1e-4):
        raise CheckFailed(f"the kept elements are multiplied by {scale:.4g}; with p = {RATE} they must be multiplied "
                          f"by 1/(1-p) = {1 / (1 - RATE):g} so that the expected input is unchanged", where)
    later = _later_randomness(train, eval1)
    if later:
        place = "between the two linear layers" if later == "hidden" else "on the logits"
        raise CheckFailed(f"besides the dropout on the first linear layer's input, a second one acts {place}: "
                          "ConvNet2 has a single dropout", where)
