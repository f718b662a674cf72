"""Call descriptions (grader/sandbox/common/call_spec.py): the judge describes the call of a notebook function
as plain data, the executor's loop probes carry it out and know no assignment's function names."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import numpy as np
import pytest

from assignments.lenet_mnist import backprop_deep
from assignments.mnist_logreg_cnn import loops as mnist_loops
from assignments.resnet_cifar10 import fit, run_epoch
from grader.sandbox.common import call_spec
from grader.sandbox.probes import loop as loop_probes
from grader.sandbox.probes import minibatch as minibatch_probes
from grader.sandbox.executor.guard import Guard
from grader.sandbox.probes.core import ProbeError
from grader.sandbox.executor.student import StudentModule

ROOT = Path(__file__).parent.parent
#: Modules that run in the executor, and the neutral ones both sides import.
EXECUTOR_SIDE = ("probes/loop", "probes/minibatch", "probes/device_tracker", "probes/loop_fakes", "probes/learning")
NEUTRAL = ("common/call_spec", "common/probe_net")
#: What only an assignment may know: its items, their parameters, the notebook's names.
ASSIGNMENT_WORDS = {"run_epoch", "fit", "backprop_deep", "validation", "dataloaders", "lr_scheduler", "max_epochs",
                    "patience", "xtrain", "ltrain", "gamma", "rho"}


def _code_words(path: Path) -> set[str]:
    """Identifiers and string constants of a module, docstrings and comments left out."""
    tree = ast.parse(path.read_text())
    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    words: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            words.add(node.id)
        elif isinstance(node, ast.Attribute):
            words.add(node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            words.add(node.name)
        elif isinstance(node, ast.arg):
            words.add(node.arg)
        elif isinstance(node, ast.keyword) and node.arg:
            words.add(node.arg)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            words.update(w.strip("`'\"(),.:") for w in node.value.split())
    return words


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    found |= {f"{n.module}.{a.name}" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    return found | {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}


@pytest.mark.parametrize("module", EXECUTOR_SIDE + NEUTRAL)
def test_the_executor_side_names_no_assignment_specifics(module: str) -> None:
    assert not _code_words(ROOT / f"grader/sandbox/{module}.py") & ASSIGNMENT_WORDS


def test_the_call_description_module_imports_neither_side_nor_torch() -> None:
    imports = _imports(ROOT / "grader/sandbox/common/call_spec.py")
    assert not [m for m in imports if m.split(".")[0] in ("torch", "numpy", "grader", "reference", "assignments")]
    assert not [m for m in _imports(ROOT / "grader/sandbox/common/probe_net.py") if m.startswith("grader")]


@pytest.mark.parametrize("path", ["assignments/resnet_cifar10/run_epoch.py", "assignments/resnet_cifar10/fit.py",
                                  "assignments/mnist_logreg_cnn/loops.py", "assignments/lenet_mnist/backprop_deep.py",
                                  "grader/checks/loops.py"])
def test_the_loop_checks_import_no_executor_module(path: str) -> None:
    executor_side = ("grader.sandbox.executor", "grader.sandbox.probes")
    assert not [m for m in _imports(ROOT / path) if m.startswith(executor_side)]


def test_the_assignments_descriptions_are_plain_data() -> None:
    cfg = backprop_deep.Config(np.zeros(1), np.zeros(1), [], 0.04, 0.5, 0)
    for spec in (run_epoch.run_epoch_call("run_epoch"), fit.fit_call("fit", 8, 2),
                 call_spec.call("train", *mnist_loops.TRAIN_ARGS), backprop_deep.backprop_call("backprop_deep", cfg)):
        assert call_spec.parse(spec) == call_spec.parse(eval(repr(spec)))  # JSON-like: survives a round trip
    parsed = call_spec.parse(backprop_deep.backprop_call("backprop_deep", cfg))
    assert parsed.text() == "backprop_deep(inputs, labels, model, 3, 10, 0.04, 0.5)"
    substitute = call_spec.parse(fit.fit_call("fit", 8, 2)).substitute["run_epoch"]
    assert substitute.role == "scripted_epoch" and substitute.options["training_loader"] == "train"


@pytest.mark.parametrize("spec, message", [
    ({"function": "f; import os"}, "identifier"),
    ({"function": "f", "arguments": [{"role": "model"}], "extra": 1}, "no field"),
    ({"function": "f", "arguments": {"role": "model"}}, "must be a list"),
    ({"function": "f", "arguments": [{"value": 3}]}, "role"),
    ({"function": "f", "arguments": [{"role": "value", "value": [1, 2]}]}, "JSON scalar"),
    ({"function": "f", "arguments": [{"role": "model", "deep": [[[1]]]}]}, "plain data"),
    ({"function": "f", "keyword_arguments": {"not a name": {"role": "model"}}}, "identifier"),
    ({"function": "f", "arguments": [{"role": "model"}] * 40}, "at most"),
])
def test_malformed_descriptions_are_refused(spec: dict, message: str) -> None:
    with pytest.raises(call_spec.CallSpecError, match=message):
        call_spec.parse(spec)


def test_a_probe_refuses_roles_it_does_not_supply() -> None:
    with pytest.raises(call_spec.CallSpecError, match="does not supply"):
        call_spec.parse({"function": "f", "arguments": [{"role": "scheduler"}]}, loop_probes.EPOCH_ROLES)
    with pytest.raises(call_spec.CallSpecError, match="does not supply"):
        call_spec.parse({"function": "f", "substitute": {"g": {"role": "model"}}}, loop_probes.EPOCH_ROLES, ())


@pytest.fixture(scope="module")
def student() -> StudentModule:
    loop_probes.warm_up()
    minibatch_probes.warm_up()
    module = StudentModule(guard=Guard())
    module.run_statement(1, 1, "import torch\n")
    return module


def test_keyword_arguments_and_values_reach_the_function(student: StudentModule) -> None:
    student.run_statement(2, 1, textwrap.dedent("""
        def steps(net, inputs, *, rounds, labels):
            seen.append((type(net).__name__, tuple(inputs.shape), rounds, labels.tolist()))
            for _ in range(rounds):
                net(inputs)
        seen = []
    """))
    spec = call_spec.call("steps", call_spec.role("model"), call_spec.role("inputs"),
                          keyword_arguments={"rounds": call_spec.value(2), "labels": call_spec.role("labels")})
    x, y = np.zeros((3, 4), np.float32), np.array([0, 1, 2])
    weights = [np.zeros(s, np.float32) for s in ((8, 4), (8,), (3, 8), (3,))]
    record = minibatch_probes.minibatch_probe(student, spec, x, y, weights, seed=0)
    assert student.namespace["seen"] == [("ProbeNet", (3, 4), 2, [0, 1, 2])]
    assert record["forward_count"] == 2


def test_a_probe_reports_a_malformed_description_as_its_own_failure(student: StudentModule) -> None:
    with pytest.raises(ProbeError, match="malformed"):
        loop_probes.scripted_epochs_probe(student, {"function": "f", "arguments": [{"role": "loader"}]},
                                          [0.5], [1.0], 3)
    student.run_statement(3, 1, "def loop(model):\n    step(model, None, None, True)\n")
    bad = call_spec.call("loop", call_spec.role("model"),
                         substitute={"step": call_spec.role("scripted_epoch", parameters=[{"name": "m"}])})
    with pytest.raises(ProbeError, match="scripted epoch"):
        loop_probes.scripted_epochs_probe(student, bad, [0.5], [1.0], 3)


def test_the_scripted_name_is_the_judges_choice(student: StudentModule) -> None:
    student.run_statement(4, 1, textwrap.dedent("""
        def loop(model, optimizer, loaders, epochs):
            for _ in range(epochs):
                one_pass(loaders['a'], model, is_training=True)
                one_pass(loaders['b'], model, is_training=False)
    """))
    parameters = [{"name": "loader", "role": "loader"}, {"name": "model", "role": "model"},
                  {"name": "is_training", "role": "train_flag"}]
    spec = call_spec.call("loop", call_spec.role("model"), call_spec.role("optimizer"),
                          call_spec.role("loaders", keys=["a", "b"]), call_spec.value(2),
                          substitute={"one_pass": call_spec.role("scripted_epoch", parameters=parameters)})
    record = loop_probes.scripted_epochs_probe(student, spec, [0.5, 0.9], [1.0, 0.8], 5)
    assert [(e["train"], e["loader"], e["model"], e["optimizer"]) for e in record["events"]] == [
        (True, "a", "given", "none"), (False, "b", "given", "none")] * 2
    assert record["marker"] == 2 and "one_pass" not in student.namespace
