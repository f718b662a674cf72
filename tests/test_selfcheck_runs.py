"""Self-check on the instructor's side (``grader.selfcheck``): realistic bugs fail the public checks that
state them, and nothing of the hidden checks reaches the report."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console

from grader import assignment as assignments
from grader.selfcheck.report import render_self_check
from grader.selfcheck.run import self_check

ROOT = Path(__file__).resolve().parents[1]


def _failed(result) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(i.name, c.name) for i in result.result.items for c in i.checks if c.outcome != "passed"}


def _rendered(result) -> str:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    render_self_check(result, Console(file=out, width=200, highlight=False))
    return out.getvalue()


@pytest.mark.slow
def test_the_seed_students_bugs_fail_their_public_checks_and_nothing_hidden_shows() -> None:
    result = self_check(ROOT / "submissions" / "resnet_cifar10_seed_student.ipynb")
    # mask of length len(input) (1-D only), .view(1, 2, 1) (C = 2 only), a 952,570-parameter network
    assert _failed(result) == {("Dropout", "shape_kept"), ("Dropout", "rate_quarter"), ("BatchNorm", "shape_kept"),
                               ("BatchNorm", "channels_normalised"), ("resnet", "resnet_size")}
    text = _rendered(result)
    assert "public checks: 10/15 passed — your grade also uses hidden checks that are not run here" in text
    chosen = assignments.get("resnet_cifar10")
    public = {c.name for item in assignments.public_items(chosen.items, chosen) for c in item.checks}
    hidden = [c for item in chosen.items for c in item.checks if c.name not in public]
    assert not [c.name for c in hidden if "_" in c.name and re.search(rf"\b{c.name}\b", text)]
    assert not [c.description for c in hidden if c.description in text]
    assert "Score" not in text and "Total" not in text


DROPOUT_ALWAYS_ON = '''\
# %%
import torch
import torch.nn as nn

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        mask = (torch.rand_like(input) > self.p).to(input.dtype)
        return input * mask / (1 - self.p)  # also in eval mode
'''


@pytest.mark.slow
def test_dropout_active_in_eval_fails_only_the_eval_check(tmp_path: Path) -> None:
    path = tmp_path / "dropout.py"
    path.write_text(DROPOUT_ALWAYS_ON, encoding="utf-8")
    result = self_check(path, "resnet_cifar10")
    assert _failed(result) - {(i.name, c.name) for i in result.result.items if i.name != "Dropout"
                              for c in i.checks} == {("Dropout", "eval_passthrough")}
    assert set(result.unfinished) == {"BatchNorm", "ResidualBlock", "ResidualStack", "resnet", "run_epoch", "fit"}
    assert "not implemented yet: the notebook does not define `BatchNorm`" in _rendered(result)


LOOP_BUGS = '''\
# %%
import torch

# %%
def train(model, trainloader, criterion, optimizer, epoch, num_epochs):
    for inputs, labels in trainloader:  # no model.train(), and no optimizer.step()
        optimizer.zero_grad()
        criterion(model(inputs), labels).backward()

# %%
def validation(model, valloader, criterion):
    correct, total, loss = 0, 0, 0.0
    with torch.no_grad():  # no model.eval()
        for inputs, labels in valloader:
            outputs = model(inputs)
            loss += criterion(outputs, labels).item()
            correct += (outputs.argmax(1) == labels).sum().item()
            total += len(labels)
    return loss / len(valloader), 100 * correct / total  # a percentage
'''


@pytest.mark.slow
def test_loop_bugs_fail_the_loop_checks_that_state_them(tmp_path: Path) -> None:
    path = tmp_path / "loops.py"
    path.write_text(LOOP_BUGS, encoding="utf-8")
    result = self_check(path, "mnist_logreg_cnn")
    loops = {pair for pair in _failed(result) if pair[0] in ("train", "validation")}
    assert loops == {("train", "runs_in_training_mode"), ("train", "weights_move"),
                     ("validation", "runs_in_evaluation_mode"), ("validation", "two_numbers_back")}
    text = _rendered(result)
    assert "call model.eval() before the loop" in text and "expected a fraction between 0 and 1" in text
