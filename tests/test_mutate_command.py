"""``python -m grader mutate`` as an instructor runs it: a few graded mutants end to end, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import grader.cli as cli

REPO = Path(__file__).resolve().parents[1]


def test_a_few_mutants_of_one_item_are_graded_and_tabled(tmp_path: Path) -> None:
    out = tmp_path / "mutants.json"
    # seed 5 samples validation's mutants 16, 23 and 26 (``labels.size(0)`` → ``labels.size(-1)``, an
    # equivalent mutant), so the run goes through the differential test too
    done = subprocess.run([sys.executable, "-m", "grader", "mutate", "mnist_logreg_cnn", "--item", "validation",
                           "--max-per-item", "3", "--seed", "5", "--json", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Mutation testing: mnist_logreg_cnn" in done.stdout and "validation" in done.stdout
    report = json.loads(out.read_text())
    mutants = report["mutants"]
    assert len(mutants) == 3 and {m["item"] for m in mutants} == {"validation"}
    for mutant in mutants:
        killed = mutant["score"] < mutant["max_score"]
        assert (mutant["outcome"] == "killed") == killed
        assert bool(mutant["checks_lost"]) == killed
        assert (mutant["verdict"] is None) == killed, "every survivor, and only a survivor, gets a verdict"
        if not killed:
            assert f"  - line {mutant['line']}: {mutant['old']}" in done.stdout
    assert report["total"]["mutants"] == 3
    assert any(m["outcome"].startswith("survived") for m in mutants)
    assert sum(report["total"][k] for k in ("killed", "survived-differs", "survived-same", "survived-unknown",
                                            "error")) == 3


@pytest.mark.parametrize(("argv", "message"), [
    (["mutate", "resnet"], "unknown assignment 'resnet'"),
    (["mutate", "resnet_cifar10", "--item", "dropout"], "resnet_cifar10 has no item 'dropout'; its items: Dropout"),
    (["mutate", "resnet_cifar10", "--max-per-item", "0"], "--max-per-item: expected at least 1"),
])
def test_bad_input_exits_2_with_one_error_line(argv: list[str], message: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
