"""Checks of ``fit(model, optimizer, lr_scheduler, dataloaders, max_epochs, patience)``: training with
early stopping on the validation accuracy, keeping the best weights.

The student's ``fit`` runs with ``run_epoch`` replaced by a script (probes.loop.scripted_epochs_probe,
told how to call ``fit`` and what to script by :func:`fit_call`): each
validation epoch returns the next value of a generated sequence, each training epoch writes its
number into the weights.  What ``fit`` did (how many epochs, which weights it ended with, when it
stepped the scheduler, which loaders it used) is compared with what the text asks
(GRADING-DECISIONS.md): stop right after the epoch that completes ``patience`` consecutive epochs
without improvement, never more than ``max_epochs``; ``>`` and ``>=`` both accepted.  Sequences are
drawn from a few values so that ties happen, with losses that disagree with the accuracies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from grader.checks.core import Check, CheckFailed, ItemContext, StudentCodeFailed
from grader.checks.search import for_all
from grader.sandbox.common.call_spec import call, role, value

ACCURACIES = (0.2, 0.4, 0.5, 0.7, 0.9, 1.0)  #: in (0, 1], few values so that ties occur
LOSSES = (0.3, 0.5, 0.8, 1.1, 1.4)
RUNAWAY_EPOCHS = 20  #: the probe stops a fit that runs this many epochs past max_epochs
#: run_epoch(model, optimizer, dataloader, train), the template's signature, as the script reads it
RUN_EPOCH_PARAMETERS = [{"name": "model", "role": "model"}, {"name": "optimizer", "role": "optimizer"},
                        {"name": "dataloader", "role": "loader"}, {"name": "train", "role": "train_flag"}]


def fit_call(name: str, max_epochs: int, patience: int) -> dict[str, Any]:
    """``fit(model, optimizer, lr_scheduler, dataloaders, max_epochs, patience)`` with the notebook's
    ``run_epoch`` scripted (an evaluation on dataloaders['train'] reports training numbers)."""
    return call(name, role("model"), role("optimizer"), role("scheduler"),
                role("loaders", keys=["train", "val", "test"]), value(max_epochs), value(patience),
                substitute={"run_epoch": role("scripted_epoch", parameters=RUN_EPOCH_PARAMETERS,
                                              training_loader="train")})


@dataclass(frozen=True)
class Scenario:
    """What validation reports after each epoch, and fit's two limits."""

    accuracies: tuple[float, ...]
    losses: tuple[float, ...]
    patience: int
    max_epochs: int

    def describe(self) -> str:
        return (f"validation accuracy per epoch {list(self.accuracies)}, validation loss per epoch "
                f"{list(self.losses)}, patience={self.patience}, max_epochs={self.max_epochs}")


@dataclass(frozen=True)
class Outcome:
    events: list[dict[str, Any]]  #: the scripted run_epoch's calls ("epoch") and scheduler steps, in order
    restored: int | None  #: the epoch whose weights the model ended with (0: the initial ones)
    final_values: list[float]
    runaway: bool

    @property
    def epochs(self) -> int:
        return sum(1 for e in self.events if e["event"] == "epoch" and e["train"])

    def restored_text(self) -> str:
        if self.restored is None:
            return "weights of no single epoch (values " + ", ".join(f"{v:g}" for v in self.final_values) + ")"
        return "the initial weights" if self.restored == 0 else f"the weights of epoch {self.restored}"


def run_fit(ctx: ItemContext, scenario: Scenario) -> Outcome:
    def probe() -> Outcome:
        try:
            reply = ctx.request("scripted_epochs_probe", {
                "call": fit_call(ctx.name, scenario.max_epochs, scenario.patience),
                "val_acc": list(scenario.accuracies), "val_loss": list(scenario.losses),
                "runaway_epochs": scenario.max_epochs + RUNAWAY_EPOCHS})
        except StudentCodeFailed as exc:
            raise StudentCodeFailed(exc.message, f"{scenario.describe()}\n{exc.counterexample or ''}".strip(),
                                    exc.kind) from None
        return Outcome(reply["events"], reply["marker"], reply["final_values"], bool(reply.get("runaway")))

    outcome: Outcome = ctx.memoised(("fit", scenario), probe)
    if outcome.runaway:
        raise CheckFailed(f"fit kept training more than {RUNAWAY_EPOCHS} epochs past max_epochs and was stopped: "
                          "the loop must end after max_epochs epochs at the latest", scenario.describe())
    return outcome


def report(scenario: Scenario, outcome: Outcome) -> str:
    return (f"{scenario.describe()}: your fit ran {outcome.epochs} training epoch(s) and ended with "
            f"{outcome.restored_text()}")


# -- what the text asks, computed here ----------------------------------------------------------

def value_at(values: tuple[float, ...], epoch: int) -> float:
    """What validation reports after ``epoch`` (1-based); the last value beyond the sequence."""
    return values[min(epoch, len(values)) - 1]


def stop_epoch(scores: list[float], patience: int, max_epochs: int, strict: bool) -> int:
    """The epoch after which fit stops when a higher score is better: right after ``patience``
    consecutive epochs without improvement (an equal score improves unless ``strict``)."""
    best, waited = -math.inf, 0
    for epoch in range(1, max_epochs + 1):
        score = scores[min(epoch, len(scores)) - 1]
        waited = 0 if score > best or (not strict and score == best) else waited + 1
        best = max(best, score)
        if waited >= patience:
            return epoch
    return max_epochs


def accuracy_stops(s: Scenario) -> dict[bool, int]:
    return {strict: stop_epoch(list(s.accuracies), s.patience, s.max_epochs, strict) for strict in (True, False)}


def loss_stops(s: Scenario) -> set[int]:
    return {stop_epoch([-v for v in s.losses], s.patience, s.max_epochs, strict) for strict in (True, False)}


def best_epochs(values: tuple[float, ...], epochs: int, lower_is_better: bool = False) -> set[int]:
    """The first and the last epoch among the first ``epochs`` with the best value (strict ``>`` keeps
    the first of tied epochs, ``>=`` the last)."""
    seen = [(-1 if lower_is_better else 1) * value_at(values, e) for e in range(1, epochs + 1)]
    top = max(seen)
    tied = [e for e, v in enumerate(seen, start=1) if v == top]
    return {tied[0], tied[-1]}


def epochs_text(stops: dict[bool, int]) -> str:
    if stops[True] == stops[False]:
        return f"{stops[True]} epoch(s)"
    return f"{stops[True]} epoch(s) ({stops[False]} if an equal accuracy counts as an improvement)"


# -- scenarios ---------------------------------------------------------------------------------

patiences = st.integers(1, 4)
accuracy_values = st.sampled_from(ACCURACIES)
loss_values = st.sampled_from(LOSSES)


@st.composite
def early_stopping_scenarios(draw: Any) -> Scenario:
    """Sequences on which fit must stop before max_epochs, whatever the tie rule: a peak, then
    ``patience`` epochs strictly below the best so far, then a few more epochs."""
    patience = draw(patiences)
    prefix = draw(st.lists(accuracy_values, max_size=5))
    peak = draw(st.sampled_from(ACCURACIES[1:]))
    lower = [a for a in ACCURACIES if a < max(prefix + [peak])]
    tail = draw(st.lists(st.sampled_from(lower), min_size=patience, max_size=patience))
    extra = draw(st.lists(accuracy_values, min_size=1, max_size=3))
    accuracies = tuple(prefix + [peak] + tail + extra)
    losses = tuple(draw(st.lists(loss_values, min_size=len(accuracies), max_size=len(accuracies))))
    return Scenario(accuracies, losses, patience, len(accuracies))


@st.composite
def any_scenarios(draw: Any) -> Scenario:
    max_epochs = draw(st.integers(1, 12))
    accuracies = tuple(draw(st.lists(accuracy_values, min_size=max_epochs, max_size=max_epochs)))
    losses = tuple(draw(st.lists(loss_values, min_size=max_epochs, max_size=max_epochs)))
    return Scenario(accuracies, losses, draw(patiences), max_epochs)


@st.composite
def improving_scenarios(draw: Any) -> Scenario:
    """The accuracy rises and the loss falls every epoch: fit must run all max_epochs epochs."""
    max_epochs = draw(st.integers(1, 12))
    steps = sorted(draw(st.lists(st.integers(1, 100), min_size=max_epochs, max_size=max_epochs, unique=True)))
    accuracies = tuple(v / 100 for v in steps)
    return Scenario(accuracies, tuple(round(2.0 - a, 2) for a in accuracies), draw(patiences), max_epochs)


#: The peak at epoch 2 is followed by lower accuracies: stop after epoch 4, keep epoch 2's weights.
#: The loss improves until epoch 5, so stopping on the loss would go on longer.
PEAK_THEN_PLATEAU = Scenario((0.5, 0.9, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4), (1.4, 1.1, 0.8, 0.5, 0.3, 0.3, 0.3, 0.3), 2, 8)
#: The accuracy improves until epoch 3 while the loss gets worse: stopping on the loss ends after epoch 3.
LOSS_DISAGREES = Scenario((0.5, 0.7, 0.9, 0.4, 0.4, 0.4, 0.4, 0.4), (0.5, 0.8, 1.1, 0.3, 0.3, 0.3, 0.3, 0.3), 2, 8)
#: The accuracy drops once and recovers at epoch 3: the count restarts there, so fit stops after epoch 5.
RECOVERY = Scenario((0.5, 0.4, 0.7, 0.4, 0.4, 0.4, 0.4), (1.1, 0.8, 0.5, 0.3, 0.3, 0.3, 0.3), 2, 7)
#: A tie at the best accuracy: epoch 2 or 3 may be kept.
TIED_BEST = Scenario((0.5, 0.9, 0.9, 0.4, 0.4, 0.4, 0.4), (1.1, 0.8, 0.5, 0.3, 0.3, 0.3, 0.3), 3, 7)
ALWAYS_IMPROVING = Scenario((0.2, 0.4, 0.5, 0.7, 0.9), (1.4, 1.1, 0.8, 0.5, 0.3), 2, 5)


# -- the properties ---------------------------------------------------------------------------

def _judge_stop(s: Scenario, outcome: Outcome) -> None:
    n = outcome.epochs
    stops = accuracy_stops(s)
    if n in stops.values():
        return
    expected = (f"expected it to stop after {epochs_text(stops)}: right after the epoch that completes "
                f"{s.patience} consecutive epoch(s) without a higher validation accuracy")
    where = report(s, outcome)
    validation = [e for e in outcome.events if e["event"] == "epoch" and not e["train"]]
    if n == 0:
        raise CheckFailed("fit never ran a training epoch (run_epoch(model, optimizer, dataloaders['train'], "
                          "train=True))", where)
    if not validation:
        raise CheckFailed(f"fit never ran a validation epoch, so it cannot stop early on the validation accuracy; "
                          f"{expected}", where)
    if any(e["loader"] == "train" for e in validation):
        raise CheckFailed(f"the validation epochs run on dataloaders['train']; early stopping must watch "
                          f"dataloaders['val']; {expected}", where)
    if n in {e + 1 for e in stops.values()}:
        raise CheckFailed(f"fit ran one epoch too many ({n}), an off-by-one in the stopping test; {expected}. "
                          "Stop as soon as the count of epochs without improvement reaches patience "
                          "(count >= patience), not when it exceeds it (count > patience).", where)
    if n == s.max_epochs:
        raise CheckFailed(f"fit never stopped early; {expected}", where)
    if n in loss_stops(s):
        raise CheckFailed(f"fit stopped where early stopping on the validation loss would stop; the assignment "
                          f"asks for early stopping on the validation accuracy; {expected}", where)
    if n < min(stops.values()):
        raise CheckFailed(f"fit stopped too early; {expected}. Reset the count whenever the accuracy improves, "
                          "and stop only after patience consecutive epochs without improvement.", where)
    raise CheckFailed(f"fit ran {n} epoch(s); {expected}", where)


def stops_after_patience(ctx: ItemContext) -> None:
    for scenario in (PEAK_THEN_PLATEAU, LOSS_DISAGREES, RECOVERY, TIED_BEST):
        _judge_stop(scenario, run_fit(ctx, scenario))

    def prop(scenario: Scenario) -> None:
        _judge_stop(scenario, run_fit(ctx, scenario))

    for_all(ctx, early_stopping_scenarios(), prop, max_examples=25)


def stops_at_max_epochs(ctx: ItemContext) -> None:
    def check(scenario: Scenario) -> None:
        outcome = run_fit(ctx, scenario)
        n, m = outcome.epochs, scenario.max_epochs
        if n == m:
            return
        if n < m:
            hint = (" (range(max_epochs) runs exactly max_epochs epochs; range(1, max_epochs) or "
                    "range(max_epochs - 1) one fewer)" if n == m - 1 else "")
            raise CheckFailed(f"the validation accuracy improved in every epoch, so fit must run all max_epochs = {m} "
                              f"epochs; it ran {n}{hint}", report(scenario, outcome))
        raise CheckFailed(f"fit ran {n} epochs, more than max_epochs = {m}", report(scenario, outcome))

    check(ALWAYS_IMPROVING)
    for_all(ctx, improving_scenarios(), check, max_examples=15)


def _judge_restored(s: Scenario, outcome: Outcome) -> None:
    n = outcome.epochs
    # Judged on the epochs fit ran (how many is the business of the two stopping checks).
    accepted = best_epochs(s.accuracies, n) if n else {0}
    restored = outcome.restored
    if restored in accepted:
        return
    best = value_at(s.accuracies, min(accepted))
    expected = (f"expected the weights of epoch {' or '.join(map(str, sorted(accepted)))}, the best validation "
                f"accuracy ({best:g}) among the {n} epoch(s) it ran")
    where = report(s, outcome)
    if restored == n:
        raise CheckFailed(
            f"fit ended with the weights of the last epoch, not those with the best validation accuracy; {expected}. "
            "Whenever the validation accuracy improves, save copy.deepcopy(model.state_dict()) (model.state_dict() "
            "alone, or its shallow .copy(), holds references to the live parameters, which keep changing), and "
            "after the loop call model.load_state_dict(best_model_weights) on the model itself.", where)
    if restored == 0:
        raise CheckFailed(f"fit ended with the model's initial weights; {expected}. Save the weights again "
                          "whenever the validation accuracy improves.", where)
    if restored is not None and restored in best_epochs(s.losses, n, lower_is_better=True):
        raise CheckFailed(f"fit kept the weights with the lowest validation loss; keep those with the highest "
                          f"validation accuracy: {expected}", where)
    raise CheckFailed(f"fit ended with {outcome.restored_text()}; {expected}", where)


def _judge_continued(s: Scenario, outcome: Outcome) -> None:
    """Each training epoch goes on from the previous epoch's weights: the best ones are restored only
    after the loop (loading them inside it restarts training from the best epoch every time)."""
    starts = [e.get("starts_from") for e in outcome.events if e["event"] == "epoch" and e["train"]]
    for epoch, start in enumerate(starts[1:], start=2):
        if start is not None and start != epoch - 1:
            raise CheckFailed(
                f"training epoch {epoch} started from the weights of epoch {start}, not from those epoch "
                f"{epoch - 1} ended with: fit loads saved weights back into the model inside the epoch loop. "
                "Keep training the current weights and call model.load_state_dict(best_model_weights) once, "
                "after the loop.", report(s, outcome))


def _judge_best_weights(s: Scenario, outcome: Outcome) -> None:
    _judge_continued(s, outcome)
    _judge_restored(s, outcome)


def restores_best_weights(ctx: ItemContext) -> None:
    for scenario in (PEAK_THEN_PLATEAU, TIED_BEST):
        _judge_best_weights(scenario, run_fit(ctx, scenario))

    def prop(scenario: Scenario) -> None:
        _judge_best_weights(scenario, run_fit(ctx, scenario))

    for_all(ctx, any_scenarios(), prop, max_examples=25)


def _judge_scheduler(s: Scenario, outcome: Outcome) -> None:
    kinds = [("train" if e["event"] == "epoch" and e["train"] else
              "step" if e["event"] == "scheduler_step" else "other") for e in outcome.events]
    trains = [i for i, k in enumerate(kinds) if k == "train"]
    steps = [i for i, k in enumerate(kinds) if k == "step"]
    n = len(trains)
    # One step between each training epoch and the next; after the last one a step changes nothing,
    # so a loop that breaks before stepping is as right as one that steps first.
    between = [sum(1 for i in steps if t < i < b) for t, b in zip(trains, trains[1:])]
    before = sum(1 for i in steps if not trains or i < trains[0])
    after = len(steps) - before - sum(between)
    if before == 0 and all(c == 1 for c in between) and after <= 1:
        return
    where = report(s, outcome)
    if not steps:
        raise CheckFailed("lr_scheduler.step() is never called: call it once per epoch, after the training epoch",
                          where)
    if any(c > 1 for c in between) or after > 1:
        raise CheckFailed(f"lr_scheduler.step() was called {len(steps)} times in {n} epoch(s); call it once per "
                          "epoch, after the training epoch", where)
    if any(c == 0 for c in between) and before == 0:
        raise CheckFailed(f"lr_scheduler.step() was called only {len(steps)} times in {n} epoch(s) (only in some "
                          "epochs?); call it in every epoch, after the training epoch", where)
    raise CheckFailed("lr_scheduler.step() is called before the epoch's training; call it after the training epoch "
                      "(after optimizer.step()), as the template does: stepping first skips the first learning rate "
                      "of the schedule", where)


def scheduler_steps(ctx: ItemContext) -> None:
    for scenario in (PEAK_THEN_PLATEAU, ALWAYS_IMPROVING):
        _judge_scheduler(scenario, run_fit(ctx, scenario))

    def prop(scenario: Scenario) -> None:
        _judge_scheduler(scenario, run_fit(ctx, scenario))

    for_all(ctx, any_scenarios(), prop, max_examples=10)


def test_loader_unused(ctx: ItemContext) -> None:
    for scenario in (PEAK_THEN_PLATEAU, LOSS_DISAGREES, TIED_BEST, ALWAYS_IMPROVING):
        outcome = run_fit(ctx, scenario)
        used = [e for e in outcome.events if e["event"] == "epoch" and e["loader"] == "test"]
        if used:
            how = " to train on" if any(e["train"] for e in used) else ""
            raise CheckFailed(
                f"fit passed dataloaders['test'] to run_epoch{how} ({len(used)} time(s)): the test set must stay "
                "unseen while the model is developed. Early stopping and choosing the weights use the validation "
                "set; the test set is evaluated once, after fit, outside it.", report(scenario, outcome))


def _judge_run_epoch_calls(s: Scenario, outcome: Outcome) -> None:
    """Each call of run_epoch read in the template's order (model, optimizer, dataloader, train), by
    position or by name: what the notebook's own run_epoch would receive in a real run."""
    template = "run_epoch(model, optimizer, dataloaders['train'], train=True)"
    for number, event in enumerate((e for e in outcome.events if e["event"] == "epoch"), start=1):
        kind = "training" if event["train"] else "validation"
        problems = []
        if event["model"] != "given":
            problems.append("its first argument (model) is not fit's model")
        if event["train"] and event["optimizer"] != "given":
            problems.append("its second argument (optimizer) is not fit's optimizer")
        if not event["train"] and event["optimizer"] == "other":
            problems.append("its second argument (optimizer) is neither fit's optimizer nor None")
        if event["loader"] == "other":
            problems.append("its third argument (dataloader) is not one of the dataloaders")
        elif event["train"] and event["loader"] != "train":
            problems.append(f"it trains on dataloaders['{event['loader']}'] instead of dataloaders['train']")
        if problems:
            raise CheckFailed(
                f"call {number} of run_epoch (a {kind} epoch) does not match run_epoch(model, optimizer, dataloader, "
                f"train): {'; '.join(problems)}. Pass the arguments in the template's order, or by name: "
                f"{template} for training, run_epoch(model, None, dataloaders['val'], train=False) for "
                "validation; in a real run the arguments in the wrong places crash run_epoch.", report(s, outcome))


def calls_run_epoch(ctx: ItemContext) -> None:
    for scenario in (PEAK_THEN_PLATEAU, ALWAYS_IMPROVING):
        _judge_run_epoch_calls(scenario, run_fit(ctx, scenario))


CHECKS = (
    Check("stops_after_patience", "stops right after patience consecutive epochs without a higher validation "
          "accuracy (> or >= both accepted)", 6, stops_after_patience),
    Check("stops_at_max_epochs", "runs exactly max_epochs epochs when the validation accuracy keeps improving", 2,
          stops_at_max_epochs),
    Check("restores_best_weights", "trains on from each epoch's weights and ends with those of the best "
          "validation accuracy", 5, restores_best_weights),
    Check("scheduler_steps", "steps the learning-rate scheduler once per epoch, after training", 2, scheduler_steps),
    Check("test_loader_unused", "never passes the test loader to run_epoch", 1, test_loader_unused),
    Check("calls_run_epoch", "calls run_epoch(model, optimizer, dataloader, train) with fit's model, its optimizer "
          "and the training loader to train, the validation loader to validate", 2, calls_run_epoch),
)
