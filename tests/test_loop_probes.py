"""The training-loop probes and the judge's arithmetic, in-process (no worker): what epoch_probe
and scripted_epochs_probe record when called as the assignments' checks describe, the simulated
device, the judge's SGD, the expected stopping epochs, and the call descriptions themselves."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from assignments.mnist_logreg_cnn import loops as mnist_loops
from assignments.resnet_cifar10 import fit as fit_checks
from assignments.resnet_cifar10 import run_epoch as run_epoch_checks
from grader.checks import loops
from grader.sandbox.common import call_spec, probe_net
from grader.sandbox.probes import loop as loop_probes
from grader.sandbox.executor.guard import Guard
from grader.sandbox.executor.student import StudentCodeError, StudentModule

ROOT = Path(__file__).parent.parent
TEMPLATE_LOOP = """
def run_epoch(model, optimizer, dataloader, train):
    device = next(model.parameters()).device
    model.train(train)
    total, correct = 0.0, 0
    with torch.set_grad_enabled(train):
        for xb, yb in dataloader:
            {move}
            if train:
                optimizer.zero_grad()
            pred = model(xb)
            again = model(xb)  # a second forward on the same batch is not a new batch
            loss = F.cross_entropy(pred, yb)
            if train:
                loss.backward()
                optimizer.step()
            total += loss.item()
            correct += {count}
    return total / len(dataloader.dataset), correct / len(dataloader.dataset)
"""


@pytest.fixture(scope="module")
def student() -> StudentModule:
    loop_probes.warm_up()  # torch finishes lazy imports here, before the guard's snapshot
    module = StudentModule(guard=Guard())
    module.run_statement(1, 1, "import copy\nimport torch\nimport torch.nn.functional as F\n")
    return module


def define(student: StudentModule, name: str, source: str) -> None:
    student.run_statement(2, 1, textwrap.dedent(source).replace("def run_epoch(", f"def {name}(")
                          .replace("def fit(", f"def {name}("))


def data(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    shapes = run_epoch_checks.PARAM_SHAPES
    return {"weights": [(0.5 * rng.standard_normal(s)).astype(np.float32) for s in shapes],
            "x": rng.standard_normal((11, 5)).astype(np.float32), "y": rng.integers(0, 3, 11),
            "batch_size": 4, "lr": 0.1, "momentum": 0.9,
            "epochs": [{"train": True, "optimizer": True, "start_mode": "eval"},
                       {"train": False, "optimizer": False, "start_mode": "train"}]}


def probe(student: StudentModule, name: str, move: str, count: str = "(pred.argmax(1) == yb).sum().item()"):
    define(student, name, TEMPLATE_LOOP.format(move=move, count=count))
    return loop_probes.epoch_probe(student, run_epoch_checks.run_epoch_call(name), **data())["epochs"]


def test_moved_batches_are_seen_and_repeated_forwards_share_a_batch(student: StudentModule) -> None:
    train, evaluation = probe(student, "moved", "xb, yb = xb.to(device), yb.to(device)")
    assert not train["mismatches"] and not evaluation["mismatches"]
    assert [f["batch"] for f in train["forwards"]] == [0, 0, 1, 1, 2, 2]
    assert all(f["input_moved"] for f in train["forwards"])
    assert [f["indices"] for f in train["forwards"][::2]] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10]]
    assert [f["training"] for f in train["forwards"]] == [True] * 6
    assert [f["grad_enabled"] for f in evaluation["forwards"]] == [False] * 6
    assert train["step_calls"] == 3 and evaluation["step_calls"] == 0
    assert train["returned"]["length"] == 2 and all("number" in i for i in train["returned"]["items"])


@pytest.mark.parametrize("move, count, expected", [
    ("xb = xb.to(device)", "(pred.argmax(1) == yb).sum().item()", "torch.nn.functional.cross_entropy"),
    ("xb.to(device); yb = yb.to(device)", "(pred.argmax(1) == yb).sum().item()", "torch.nn.functional.linear"),
    ("xb, yb = xb.to(device), yb.to(device)", "int((pred.argmax(1).numpy() == yb.cpu().numpy()).sum())",
     "torch.Tensor.numpy"),
])
def test_a_batch_left_on_the_host_is_a_device_mismatch(student: StudentModule, move: str, count: str,
                                                       expected: str) -> None:
    train, _ = probe(student, "unmoved", move, count)
    assert train["mismatches"] and train["mismatches"][0]["function"] == expected


def test_cuda_calls_are_simulated_and_cpu_comparisons_are_fine(student: StudentModule) -> None:
    train, _ = probe(student, "cuda", "xb, yb = xb.cuda(), yb.to('cuda:0', non_blocking=True)",
                     "(pred.argmax(1).cpu() == yb.cpu()).sum().item()")
    assert not train["mismatches"]
    assert all(f["input_moved"] for f in train["forwards"])


GLOBAL_DEVICES = "device = torch.device('cpu')\nDEVICE_NAME = 'cpu'\n"


def watched_probe(student: StudentModule, name: str, move: str) -> list[dict]:
    student.run_statement(3, 1, GLOBAL_DEVICES)
    define(student, name, TEMPLATE_LOOP.format(move=move, count="(pred.argmax(1) == yb).sum().item()")
           .replace("    device = next(model.parameters()).device\n", ""))
    spec = data()
    spec["epochs"] = [dict(e, watch_global_devices=True) for e in spec["epochs"]]
    return loop_probes.epoch_probe(student, run_epoch_checks.run_epoch_call(name), **spec)["epochs"]


@pytest.mark.parametrize("move, name", [("xb, yb = xb.to(device), yb.to(device)", "device"),
                                        ("xb, yb = xb.to(device=DEVICE_NAME), yb.to(DEVICE_NAME)", "DEVICE_NAME")])
def test_batches_moved_with_a_global_device_are_recorded(student: StudentModule, move: str, name: str) -> None:
    train, evaluation = watched_probe(student, "global_device", move)
    for record in (train, evaluation):
        assert record["mismatches"] and record["global_moves"] == [name]
        assert not any(f["input_moved"] for f in record["forwards"])
    assert student.namespace["device"] == torch.device("cpu")  # the stand-in is gone again


def test_a_model_moved_to_the_global_device_agrees_with_it(student: StudentModule) -> None:
    train, _ = watched_probe(student, "model_to_global", "model.to(device); xb, yb = xb.to(device), yb.to(device)")
    assert not train["mismatches"]
    assert all(f["input_moved"] for f in train["forwards"])


def test_a_global_device_used_only_away_from_the_model_is_no_fault(student: StudentModule) -> None:
    train, _ = watched_probe(student, "global_for_labels_only",
                             "here = next(model.parameters()).device; xb, yb = xb.to(here), yb.to(here); "
                             "spare = yb.cpu().to(device)")
    assert train["global_moves"] == ["device"] and not train["mismatches"]


def test_without_watching_a_global_device_counts_as_the_models(student: StudentModule) -> None:
    student.run_statement(3, 1, GLOBAL_DEVICES)
    train, _ = probe(student, "global_unwatched", "xb, yb = xb.to(DEVICE_NAME), yb.to(DEVICE_NAME)")
    assert not train["mismatches"]


def test_an_exception_in_one_epoch_is_reported_in_its_record(student: StudentModule) -> None:
    define(student, "needs_optimizer", """
        def run_epoch(model, optimizer, dataloader, train):
            optimizer.zero_grad()
            return 0.0, 0.0
    """)
    train, evaluation = loop_probes.epoch_probe(student, run_epoch_checks.run_epoch_call("needs_optimizer"),
                                                **data())["epochs"]
    assert "error" not in train
    assert "NoneType" in evaluation["error"]["summary"]


def test_judge_sgd_is_torch_sgd() -> None:
    for momentum in (0.0, 0.5, 0.9):
        torch.manual_seed(0)
        a, b = torch.nn.Linear(4, 3), torch.nn.Linear(4, 3)
        b.load_state_dict(a.state_dict())
        ours = loops.MomentumSGD(a.parameters(), lr=0.2, momentum=momentum)
        theirs = torch.optim.SGD(b.parameters(), lr=0.2, momentum=momentum)
        for step in range(4):
            x = torch.randn(5, 4)
            for model, optimizer in ((a, ours), (b, theirs)):
                optimizer.zero_grad()
                (model(x) ** 2).sum().backward()
                optimizer.step()
        for p, q in zip(a.parameters(), b.parameters()):
            assert torch.equal(p, q)


def test_loss_conventions_differ_on_a_partial_last_batch() -> None:
    logits = [np.array([[2.0, 0.0, 0.0]] * 4, np.float32), np.array([[0.0, 3.0, 0.0]], np.float32)]
    batches = loops.Batches([[0, 1, 2, 3], [4]], logits)
    y = np.array([0, 0, 1, 1, 1])
    s = loops.statistics(batches, y, 5, 2)
    assert s.correct == 3 and s.accuracy == pytest.approx(0.6)
    assert s.batch_mean_accuracy == pytest.approx((0.5 + 1.0) / 2)
    assert len({round(v, 6) for v in (s.template_loss, s.sample_loss, s.batch_mean_loss)}) == 3


# -- fit ---------------------------------------------------------------------------------------

FIT = """
def fit(model, optimizer, lr_scheduler, dataloaders, max_epochs, patience):
    best_acc, waited = 0, 0
    best = {save}
    for epoch in range(max_epochs):
        run_epoch(model, optimizer, dataloaders['train'], train=True)
        lr_scheduler.step()
        val_loss, val_acc = run_epoch(model=model, optimizer=None, dataloader=dataloaders['val'], train=False)
        if val_acc > best_acc:
            best_acc, waited, best = val_acc, 0, {save}
        else:
            waited += 1
            if waited >= patience:
                break
    model.load_state_dict(best)
"""


def fit_probe(student: StudentModule, name: str, val_acc: list, val_loss: list, max_epochs: int,
              patience: int) -> dict:
    return loop_probes.scripted_epochs_probe(student, fit_checks.fit_call(name, max_epochs, patience), val_acc,
                                             val_loss, max_epochs + fit_checks.RUNAWAY_EPOCHS)


@pytest.mark.parametrize("save, marker", [("copy.deepcopy(model.state_dict())", 2), ("model.state_dict()", 4)])
def test_fit_probe_sees_which_weights_were_restored(student: StudentModule, save: str, marker: int) -> None:
    define(student, "fit_under_test", FIT.format(save=save))
    record = fit_probe(student, "fit_under_test", [0.5, 0.9, 0.4, 0.4, 0.4], [1.0] * 5, 5, 2)
    kinds = [(e["event"], e.get("train"), e.get("loader")) for e in record["events"]]
    assert kinds[:3] == [("epoch", True, "train"), ("scheduler_step", None, None),
                         ("epoch", False, "val")]
    assert sum(1 for k in kinds if k == ("epoch", True, "train")) == 4
    assert record["marker"] == marker and record["returned"] == "NoneType"


def test_fit_probe_stops_a_runaway_loop(student: StudentModule) -> None:
    define(student, "endless_fit", """
        def fit(model, optimizer, lr_scheduler, dataloaders, max_epochs, patience):
            while True:
                try:
                    run_epoch(model, optimizer, dataloaders['train'], True)
                except Exception:
                    pass
    """)
    record = fit_probe(student, "endless_fit", [0.5], [1.0], 3, 1)
    assert record["runaway"]


def test_fit_probe_raises_student_errors(student: StudentModule) -> None:
    define(student, "broken_fit", """
        def fit(model, optimizer, lr_scheduler, dataloaders, max_epochs, patience):
            run_epoch(model, optimizer, dataloaders['train'])
    """)
    with pytest.raises(StudentCodeError, match="train"):
        fit_probe(student, "broken_fit", [0.5], [1.0], 3, 1)


@pytest.mark.parametrize("accuracies, patience, max_epochs, strict, expected", [
    ((0.5, 0.9, 0.4, 0.4, 0.4), 2, 5, True, 4),
    ((0.5, 0.9, 0.9, 0.4, 0.4, 0.4), 3, 6, True, 5),
    ((0.5, 0.9, 0.9, 0.4, 0.4, 0.4), 3, 6, False, 6),
    ((0.2, 0.4, 0.5), 1, 3, True, 3),
    ((0.5, 0.4, 0.7, 0.4, 0.4), 2, 5, True, 5),
])
def test_stop_epoch(accuracies: tuple, patience: int, max_epochs: int, strict: bool, expected: int) -> None:
    assert fit_checks.stop_epoch(list(accuracies), patience, max_epochs, strict) == expected


def test_best_epochs_allow_either_tied_epoch() -> None:
    assert fit_checks.best_epochs((0.5, 0.9, 0.9, 0.4), 4) == {2, 3}
    assert fit_checks.best_epochs((0.5, 0.9, 0.9, 0.4), 2) == {2}
    assert fit_checks.best_epochs((1.1, 0.5, 0.5), 3, lower_is_better=True) == {2, 3}


@pytest.mark.parametrize("first", ["grader.sandbox.probes.loop", "grader.sandbox.probes.structure",
                                   "grader.sandbox.probes.core"])
def test_any_probe_module_may_be_imported_first(first: str) -> None:
    code = (f"import {first}\nfrom grader.sandbox.probes.registry import OPERATIONS\n"
            "assert {'epoch_probe', 'scripted_epochs_probe', 'minibatch_probe', 'trace_forward', 'exercise'} "
            "<= set(OPERATIONS)\n")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


# -- loops of other signatures, on image samples (mnist_logreg_cnn's train/validation) -------------

def image_data(seed: int = 0, n: int = 7) -> dict:
    rng = np.random.default_rng(seed)
    features = 28 * 28
    shapes = ((probe_net.HIDDEN, features), (probe_net.HIDDEN,), (probe_net.CLASSES, probe_net.HIDDEN),
              (probe_net.CLASSES,))
    return {"weights": [(0.05 * rng.standard_normal(s)).astype(np.float32) for s in shapes],
            "x": rng.uniform(0, 1, (n, 1, 28, 28)).astype(np.float32), "y": rng.integers(0, 3, n),
            "batch_size": 3, "lr": 0.1, "momentum": 0.5}


def test_epoch_probe_calls_another_signature_with_a_counting_criterion(student: StudentModule) -> None:
    student.run_statement(3, 1, textwrap.dedent("""
        def train_images(model, trainloader, criterion, optimizer, epoch, num_epochs):
            model.train()
            for inputs, labels in trainloader:
                optimizer.zero_grad()
                loss = criterion(model(inputs.view(inputs.size(0), -1)), labels)  # flattened: still matched
                loss.backward()
                optimizer.step()
    """))
    spec = {"train": True, "optimizer": True, "start_mode": "eval"}
    call = call_spec.call("train_images", *mnist_loops.TRAIN_ARGS)
    [record] = loop_probes.epoch_probe(student, call, **image_data(), epochs=[spec])["epochs"]
    assert [f["indices"] for f in record["forwards"]] == [[0, 1, 2], [3, 4, 5], [6]]
    assert record["criterion_calls"] == 3 and record["step_calls"] == 3
    assert record["other_modules"] == []
    assert all(f["training"] for f in record["forwards"])


def test_epoch_probe_names_a_global_model_called_instead(student: StudentModule) -> None:
    student.run_statement(4, 1, textwrap.dedent("""
        net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(28 * 28, 3))

        def validate_global(model, valloader, criterion):
            with torch.no_grad():
                return sum(criterion(net(x), y).item() for x, y in valloader), 0.5
    """))
    spec = {"train": False, "optimizer": False, "start_mode": "train"}
    call = call_spec.call("validate_global", *mnist_loops.VALIDATION_ARGS)
    [record] = loop_probes.epoch_probe(student, call, **image_data(), epochs=[spec])["epochs"]
    assert record["forwards"] == []
    assert record["other_modules"] == [{"type": "Sequential", "names": ["net"]}]


# -- backprop_deep (lenet_mnist) ----------------------------------------------------------------

BACKPROP = """
def {name}(xtrain, ltrain, net, T, B=100, gamma=.001, rho=.9):
    N = xtrain.size()[0]
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr={lr}, momentum=rho)
    for epoch in range(T):
        order = torch.randperm(N)
        for k in range(N // B):
            idx = order[k * B:(k + 1) * B]
            optimizer.zero_grad()
            loss = criterion(net(xtrain[idx]), ltrain[idx])
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                net(xtrain[idx])  # a second look at the same minibatch, without gradients
"""


def backprop(student: StudentModule, name: str, lr: str = "gamma") -> dict:
    from grader.sandbox.probes import minibatch as minibatch_probes

    student.run_statement(5, 1, BACKPROP.format(name=name, lr=lr))
    d = image_data(n=10)
    call = call_spec.call(name, call_spec.role("inputs"), call_spec.role("labels"), call_spec.role("model"),
                          *map(call_spec.value, (2, 3, 0.05, 0.4)))
    return minibatch_probes.minibatch_probe(student, call, d["x"], d["y"], d["weights"], seed=3)


def test_backprop_probe_records_minibatches_labels_and_optimizer(student: StudentModule) -> None:
    record = backprop(student, "backprop_ok")
    d = image_data(n=10)
    assert "error" not in record
    assert record["forward_count"] == 2 * 3 * 2  # T epochs × N // B minibatches × two forwards each
    training = [f for f in record["forwards"] if f["grad_enabled"]]
    assert len(training) == 6 and all(len(f["indices"]) == 3 for f in training)
    assert [t.tolist() for t in record["targets"]] == [d["y"][f["indices"]].tolist() for f in training]
    assert record["optimizers"] == [{"lr": 0.05, "momentum": 0.4}]
    assert record["inputs_unchanged"] and record["labels_unchanged"]
    # The parameters change between the minibatches (their version counter moves) but not within one.
    versions = [f["version"] for f in record["forwards"]]
    assert versions[0] != versions[2] and versions[1] == versions[2]


def test_backprop_probe_restores_what_it_watches(student: StudentModule) -> None:
    before = (torch.optim.SGD, torch.nn.functional.cross_entropy, torch.nn.functional.nll_loss)
    record = backprop(student, "backprop_fixed_lr", lr="0.001")
    assert record["optimizers"] == [{"lr": 0.001, "momentum": 0.4}]
    assert (torch.optim.SGD, torch.nn.functional.cross_entropy, torch.nn.functional.nll_loss) == before
