"""Probes of training-loop functions, driven by a call description the judge sends (call_spec).

``epoch_probe`` calls an epoch function (one pass over a loader) on an instrumented model, loader,
optimizer and criterion; ``scripted_epochs_probe`` calls a function that runs epochs (say, a
training loop with early stopping) with its epoch function replaced by a script.  Which function,
in which argument order, and which notebook name the script stands in for are the judge's data:
nothing here names an assignment's function.

Both record what happened as plain data (the model's mode and the grad state in every forward,
which samples each forward saw, the parameters, every call the script received) and leave every
verdict to the judge.  Batches are followed as if the model lived on a GPU (device_tracker).
Imports nothing from ``reference/`` or ``assignments/``.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
from typing import Any, Callable

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from grader.sandbox.common import call_spec
from grader.sandbox.common.probe_net import IN_FEATURES, ProbeNet
from grader.sandbox.executor.student import StudentCodeError, StudentModule
from grader.sandbox.probes.core import ProbeError, _isinstance, _module_train, _type, lookup, seed_everything, to_array
from grader.sandbox.probes.device_tracker import DeviceTracker, cuda_reported_available, global_device_stand_ins
from grader.sandbox.probes.loop_fakes import (CountingCrossEntropy, CountingSGD, Number, RecordingScheduler,
                                              describe_return, params_of, to_number)

_parameters = torch.nn.Module.parameters
#: What epoch_probe supplies for each role of its call description (besides "value"): the model,
#: its optimizer (None in an epoch without one), the loader, a counting cross-entropy, the epoch's flag.
EPOCH_ROLES = ("model", "optimizer", "loader", "criterion", "train_flag")
#: What scripted_epochs_probe supplies: a model, its optimizer and a recording learning-rate scheduler,
#: and a dict of loaders (option "keys"); a substituted name may be a "scripted_epoch".
SCRIPTED_ROLES = ("model", "optimizer", "scheduler", "loaders")
SCRIPT_PARAMETER_ROLES = ("model", "optimizer", "loader", "train_flag")


def parse_call(call: Any, roles: tuple[str, ...], substitute_roles: tuple[str, ...] = ()) -> call_spec.Call:
    try:
        return call_spec.parse(call, roles, substitute_roles)
    except call_spec.CallSpecError as exc:
        raise ProbeError(f"the grader's call description is malformed: {exc}") from None


def function_of(student: StudentModule, call: call_spec.Call) -> Callable[..., Any]:
    function = lookup(student, call.function)
    if not callable(function):
        raise ProbeError(f"`{call.function}` is not a function")
    return function


# -- one epoch ----------------------------------------------------------------------------------

def epoch_probe(student: StudentModule, call: dict[str, Any], weights: list[np.ndarray], x: np.ndarray,
                y: np.ndarray, batch_size: int, lr: float, momentum: float,
                epochs: list[dict[str, Any]]) -> dict[str, Any]:
    """Make ``call`` once for each of ``epochs`` in turn, on one model and optimizer.

    Each epoch is ``{"train": bool, "optimizer": bool, "start_mode": "train" | "eval"}``: the model
    is put in ``start_mode`` first (the opposite of what the epoch needs, so that a missing
    ``model.train()``/``model.eval()`` shows), and the call gets, by role (:data:`EPOCH_ROLES`), the
    model, the optimizer (None when ``optimizer`` is False), the loader, a counting cross-entropy
    and the epoch's ``train`` flag.  With ``"watch_global_devices"``, batches moved with a
    notebook-level device rather than the model's are recorded.  Samples ``x`` may have any shape
    (rows of features, or images): the model flattens them.  An exception in one epoch is reported
    in that epoch's record, as are calls of modules other than the model passed in.
    """
    parsed = parse_call(call, EPOCH_ROLES)
    function = function_of(student, parsed)
    model = ProbeNet.for_samples(x)
    model.set_weights(weights)
    optimizer = CountingSGD(_parameters(model), lr=float(lr), momentum=float(momentum))
    dataset = TensorDataset(torch.from_numpy(np.array(x, dtype=np.float32)), torch.from_numpy(np.array(y, np.int64)))
    return {"epochs": [_one_epoch(student, function, parsed, model, optimizer, dataset, int(batch_size), spec)
                       for spec in epochs]}


def _other_modules(student: StudentModule, model: nn.Module, modules: list[nn.Module]) -> list[dict[str, Any]]:
    """The top-level modules called that are not the model (or part of it) or a loss, with the global
    names they are bound to in the submission (a loop that calls a global ``net``)."""
    own = {id(m) for m in model.modules()}
    seen: dict[int, dict[str, Any]] = {}
    for module in modules:
        if id(module) in own or id(module) in seen or _isinstance(module, torch.nn.modules.loss._Loss):
            continue
        names = sorted(k for k, v in student.namespace.items() if v is module)
        seen[id(module)] = {"type": _type(module).__qualname__, "names": names}
    inner = {id(child) for m in modules if id(m) in seen for child in m.modules() if child is not m}
    return [info for key, info in seen.items() if key not in inner]


def _one_epoch(student: StudentModule, function: Callable[..., Any], call: call_spec.Call, model: ProbeNet,
               optimizer: CountingSGD, dataset: TensorDataset, batch_size: int, spec: dict[str, Any]) -> dict[str, Any]:
    seed_everything(0)
    _module_train(model, spec.get("start_mode") == "train")
    stand_ins = global_device_stand_ins(student) if spec.get("watch_global_devices") else {}
    tracker = DeviceTracker(list(_parameters(model)), stand_ins)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False, collate_fn=tracker.collate)
    criterion = CountingCrossEntropy()
    model.forwards, model.tracker = [], tracker
    calls_before = dict(optimizer.calls)
    things = {"model": model, "optimizer": optimizer if spec["optimizer"] else None, "loader": loader,
              "criterion": criterion, "train_flag": bool(spec["train"])}
    args, kwargs = call.bind(lambda argument: things[argument.role])
    record: dict[str, Any] = {"train": bool(spec["train"]), "optimizer": bool(spec["optimizer"]),
                              "params_before": params_of(model)}
    called: list[nn.Module] = []
    hook = torch.nn.modules.module.register_module_forward_pre_hook(lambda module, _: called.append(module))
    try:
        with contextlib.ExitStack() as globals_replaced:
            for global_name, stand_in in stand_ins.items():
                globals_replaced.enter_context(student.substituted(global_name, stand_in))
            with tracker, cuda_reported_available():
                value = student.call(function, *args, **kwargs)
        record["returned"] = describe_return(value)
    except StudentCodeError as exc:
        record["error"] = exc.failure
    finally:
        hook.remove()
        model.tracker = None
    record.update(forwards=list(model.forwards), params_after=params_of(model), batches=tracker.batches,
                  mismatches=tracker.mismatches, global_moves=tracker.global_moves, criterion_calls=criterion.calls,
                  other_modules=_other_modules(student, model, called),
                  zero_grad_calls=optimizer.calls["zero_grad"] - calls_before["zero_grad"],
                  step_calls=optimizer.calls["step"] - calls_before["step"])
    return record


# -- a function that runs epochs, with its epoch function scripted ------------------------------

def _script_signature(own: Any, parameters: list[dict[str, str]]) -> inspect.Signature:
    """The notebook's own signature of the replaced function when it is a plain function whose first
    parameters (as many as described) all take positions or names, so that a caller relying on its
    defaults or names still works; else the described parameters'."""
    if inspect.isfunction(own):
        try:
            signature = inspect.signature(own, follow_wrapped=False)
        except (TypeError, ValueError):
            signature = None
        if signature is not None:
            params = list(signature.parameters.values())[:len(parameters)]
            if len(params) == len(parameters) and all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params):
                return signature
    return inspect.Signature([inspect.Parameter(p["name"], inspect.Parameter.POSITIONAL_OR_KEYWORD)
                              for p in parameters])


def _script_parameters(argument: call_spec.Argument) -> list[dict[str, str]]:
    parameters = argument.options.get("parameters")
    if (_type(parameters) is not list or not parameters
            or not all(_type(p) is dict and _type(p.get("name")) is str and p["name"].isidentifier()
                       and p.get("role") in SCRIPT_PARAMETER_ROLES for p in parameters)):
        raise ProbeError("the grader's call description is malformed: a scripted epoch needs \"parameters\", "
                         f"a list of {{\"name\", \"role\"}} with roles among {', '.join(SCRIPT_PARAMETER_ROLES)}")
    return parameters


class _Runaway(BaseException):
    """Raised by the scripted epoch when the caller keeps going far past its limit (not an Exception,
    so a student's ``except Exception`` does not swallow it)."""


def scripted_epochs_probe(student: StudentModule, call: dict[str, Any], val_acc: list[float], val_loss: list[float],
                          runaway_epochs: int) -> dict[str, Any]:
    """Make ``call`` with each name it substitutes by a ``"scripted_epoch"`` bound to a script.

    The call gets, by role (:data:`SCRIPTED_ROLES`), a model whose weights are all 0, its SGD
    optimizer, a recording scheduler and a dict of tiny loaders under the role's ``keys``.  The
    script reads its arguments by the ``parameters`` of the substitute (name and role each: which
    one is the model, the optimizer, the loader, the train flag).  Training epoch e (the e-th call
    with the flag true) records which epoch's weights it starts from, then fills every weight with e,
    in place, so the final weights tell which epoch's were restored (and a ``state_dict()`` kept
    without deepcopy aliases the live tensors).  An evaluation call after training epoch e returns
    ``(val_loss[e-1], val_acc[e-1])`` (the last entry beyond the script) whichever loader it gets,
    except the substitute's ``training_loader``, which gives training numbers.  Past
    ``runaway_epochs`` training epochs (or four times as many calls) the run is stopped.  Returns
    the calls and scheduler steps in order, the final weights' epoch marker and the returned type.
    """
    parsed = parse_call(call, SCRIPTED_ROLES, ("scripted_epoch",))
    function = function_of(student, parsed)
    seed_everything(0)
    model = nn.Linear(2, 2)
    with torch.no_grad():
        for p in _parameters(model):
            p.fill_(0.0)
    optimizer = torch.optim.SGD(_parameters(model), lr=0.1)
    events: list[dict[str, Any]] = []
    scheduler = RecordingScheduler(optimizer, events)
    loaders: dict[str, DataLoader] = {}
    state = {"epoch": 0, "calls": 0, "runaway": False}
    limit = int(runaway_epochs)

    def loaders_for(argument: call_spec.Argument) -> dict[str, DataLoader]:
        keys = argument.options.get("keys")
        if _type(keys) is not list or not all(_type(k) is str for k in keys):
            raise ProbeError("the grader's call description is malformed: \"loaders\" needs \"keys\"")
        for key in keys:
            loaders.setdefault(key, DataLoader(TensorDataset(torch.zeros(4, 2), torch.zeros(4, dtype=torch.long)),
                                               batch_size=2))
        return {key: loaders[key] for key in keys}

    def script(name: str, argument: call_spec.Argument) -> Callable[..., Any]:
        parameters = _script_parameters(argument)
        signature = _script_signature(student.namespace.get(name), parameters)
        training_loader = argument.options.get("training_loader")

        def scripted_epoch(*args: Any, **kwargs: Any) -> tuple[float, float]:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            given = dict(zip((p["role"] for p in parameters), list(bound.arguments.values())))
            net, opt, loader, train = (given.get(r) for r in SCRIPT_PARAMETER_ROLES)
            which = next((key for key, value in loaders.items() if value is loader), "other")
            state["calls"] += 1
            events.append({"event": "epoch", "train": bool(train), "loader": which,
                           "optimizer": "none" if opt is None else "given" if opt is optimizer else "other",
                           "model": "given" if net is model else "other"})
            if state["epoch"] > limit or state["calls"] > 4 * limit:
                state["runaway"] = True
                raise _Runaway(f"the scripted `{name}` was called far beyond the limit")
            if train:
                state["epoch"] += 1
                target = net if _isinstance(net, nn.Module) else model
                events[-1]["starts_from"] = _epoch_marker(target)
                with torch.no_grad():
                    for p in _parameters(target):
                        p.fill_(float(state["epoch"]))
            epoch = max(state["epoch"], 1)
            if train or which == training_loader:
                return Number(round(1.0 / (epoch + 1), 6)), Number(round(epoch / (epoch + 1), 6))
            k = min(epoch, len(val_acc)) - 1
            return Number(val_loss[k]), Number(val_acc[k])

        return scripted_epoch

    things = {"model": model, "optimizer": optimizer, "scheduler": scheduler}
    supply = (lambda argument: loaders_for(argument) if argument.role == "loaders" else things[argument.role])
    args, kwargs = parsed.bind(supply)
    record: dict[str, Any] = {"events": events}
    with contextlib.ExitStack() as substituted:
        for name, argument in parsed.substitute.items():
            substituted.enter_context(student.substituted(name, script(name, argument)))
        try:
            value = student.call(function, *args, **kwargs)
            record["returned"] = to_number(value).get("type", "number")
        except StudentCodeError:
            if not state["runaway"]:
                raise
            record["runaway"] = True
    record["marker"] = _epoch_marker(model)
    record["final_values"] = [float(v) for v in _distinct_values(model)[:6]]
    return record


def _distinct_values(module: Any) -> np.ndarray:
    return np.unique(np.concatenate([to_array(p).ravel() for p in _parameters(module)]))


def _epoch_marker(module: Any) -> int | None:
    """The training epoch whose weights ``module`` holds (0: the initial ones), None for a mixture."""
    distinct = _distinct_values(module)
    return int(distinct[0]) if distinct.size == 1 and float(distinct[0]).is_integer() else None

def warm_up() -> None:
    """Exercise the paths these probes use (loader, tracker, SGD with momentum, state_dict copies)
    once before the guard's snapshot: torch finishes some of its imports lazily."""
    x = np.linspace(-1, 1, 3 * IN_FEATURES, dtype=np.float32).reshape(3, IN_FEATURES)
    model = ProbeNet(x)
    optimizer = CountingSGD(_parameters(model), lr=0.1, momentum=0.9)
    criterion = CountingCrossEntropy()
    tracker = DeviceTracker(list(_parameters(model)))
    model.tracker = tracker
    dataset = TensorDataset(torch.from_numpy(x), torch.tensor([0, 1, 2]))
    with tracker, torch.set_grad_enabled(True):
        for xb, yb in DataLoader(dataset, batch_size=2, collate_fn=tracker.collate):
            xb, yb = xb.to("cpu"), yb.to(torch.device("cpu"))
            optimizer.zero_grad()
            pred = model(xb)
            loss = criterion(pred, yb)
            loss.backward()
            optimizer.step()
            (torch.argmax(pred, dim=1) == yb).sum().item()
            loss.item()
    with torch.no_grad():
        model(torch.from_numpy(x))
    model.tracker = None
    saved = copy.deepcopy(model.state_dict())
    model.load_state_dict(saved)
    params_of(model)
    describe_return((loss, 0.5))
    _script_signature(None, [{"name": n, "role": r} for n, r in zip(("model", "optimizer", "loader", "train"),
                                                                    SCRIPT_PARAMETER_ROLES)]).bind(1, 2, 3, train=True)


#: Operations the judge may request, by name (collected in grader.sandbox.probes.registry).
LOOP_PROBES: dict[str, Callable[..., Any]] = {
    "epoch_probe": epoch_probe,
    "scripted_epochs_probe": scripted_epochs_probe,
}
