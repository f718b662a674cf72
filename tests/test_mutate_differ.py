"""The differential test (``grader.mutate.differ`` and ``compare``): "differs" and "same" on known cases."""

from __future__ import annotations

import math

import torch

from grader.assignment import get
from grader.mutate.compare import first_difference
from grader.mutate.differ import compare_sources, differential
from grader.mutate.generate import reference_path

REFERENCE = reference_path(get("resnet_cifar10")).read_text()
SCALED = "return input * keep / (1 - self.p)"


def _changed(old: str, new: str, source: str = REFERENCE) -> str:
    assert source.count(old) == 1
    return source.replace(old, new)


def test_a_mutant_that_scales_wrongly_differs_and_says_where() -> None:
    verdict = compare_sources("resnet_cifar10", "Dropout", REFERENCE,
                              _changed(SCALED, "return input * keep / (1 + self.p)"), 0)
    assert verdict.outcome == "differs"
    assert verdict.detail.startswith("Dropout(0.3), x (16, 32): forward and backward in train mode: output: "
                                     "values differ")


def test_an_equivalent_rewrite_behaves_the_same() -> None:
    verdict = compare_sources("resnet_cifar10", "Dropout", REFERENCE,
                              _changed(SCALED, "return keep * input / (1 - self.p)"), 0)
    assert (verdict.outcome, verdict.text) == ("same", "behaves the same")


def test_drawing_fewer_random_numbers_is_not_a_difference() -> None:
    # at p = 0 this mutant draws a mask of ones where the reference returns its input: same values
    verdict = compare_sources("resnet_cifar10", "Dropout", REFERENCE,
                              _changed("self.p == 0", "self.p == 1"), 0)
    assert verdict.outcome == "same"


def test_a_change_of_the_progress_lines_only_is_told_apart() -> None:
    reference = reference_path(get("mnist_logreg_cnn")).read_text()
    verdict = compare_sources("mnist_logreg_cnn", "train", reference,
                              _changed("if (i + 1) % 100 == 0:", "if (i + 1) % 101 == 0:", reference), 0)
    assert verdict.outcome == "prints"
    assert verdict.text.startswith("differs only in what it prints: train(model, 101 batches of 2")


def test_a_training_loop_in_the_wrong_mode_differs() -> None:
    reference = reference_path(get("mnist_logreg_cnn")).read_text()
    verdict = compare_sources("mnist_logreg_cnn", "validation", reference,
                              _changed("    model.eval()\n", "    model.train()\n", reference), 0)
    assert verdict.outcome == "differs" and verdict.detail.startswith("validation(model, 20 samples")
    same = compare_sources("mnist_logreg_cnn", "validation", reference,
                           _changed("running_loss = 0, 0, 0.0", "running_loss = 0, 0, 0", reference), 0)
    assert same.outcome == "same"


def test_a_mutant_that_never_ends_costs_one_timeout_in_a_child_process() -> None:
    looping = _changed("        if not self.training or self.p == 0:\n",
                       "        while True:\n            pass\n        if not self.training or self.p == 0:\n")
    verdict = differential("resnet_cifar10", "Dropout", looping, timeout=10)
    assert verdict.outcome == "differs"
    assert verdict.detail == "the mutant did not finish within 10 s; the reference did"


def test_the_child_process_reports_what_differs() -> None:
    verdict = differential("resnet_cifar10", "Dropout", _changed("self.p = p", "self.p = p / 2"))
    assert verdict.outcome == "differs" and "Dropout(0.3)" in verdict.detail


def test_first_difference_names_the_place_and_the_values() -> None:
    a = {"returned": (0.5, 3), "parameters": {"w": torch.ones(2, 2)}}
    assert first_difference(a, {"returned": (0.5, 3), "parameters": {"w": torch.ones(2, 2) + 1e-8}}) is None
    assert first_difference(a, {"returned": (0.5, 4), "parameters": {"w": torch.ones(2, 2)}}) == \
        "returned[1]: 3 became 4"
    assert first_difference(a, {"returned": (0.5, 3), "parameters": {"w": torch.ones(2, 3)}}) == \
        "parameters, w: shape (2, 2) became (2, 3)"
    assert first_difference(a, "raised ValueError: no") == "the mutant raised ValueError: no, the reference did not"
    assert first_difference(math.nan, math.nan) is None
    assert first_difference(0.0, 0) is None
    assert first_difference([True], [False]) == "[0]: True became False"
