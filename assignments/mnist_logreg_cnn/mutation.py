"""How the mutation tool's differential test exercises each item (``python -m grader mutate``).

Each entry maps an item to its probes (see :mod:`grader.mutate.exercise`): small seeded inputs that
reach every branch of the reference, so a mutant that changes behaviour shows it on one of them.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn as nn

from grader.mutate.exercise import CountingSGD, Probes, Watched, after_training, loader, module_probes


def logistic_regression(ns: dict[str, Any]) -> Probes:
    build = lambda: ns["MultinomialLogisticRegression"](12, 3)  # noqa: E731
    return {**module_probes("MultinomialLogisticRegression(12, 3), x (4, 12)", build, lambda: torch.randn(4, 12)),
            **module_probes("MultinomialLogisticRegression(12, 3), images (4, 3, 2, 2)", build,
                            lambda: torch.randn(4, 3, 2, 2))}


def convnet2(ns: dict[str, Any]) -> Probes:
    return module_probes("ConvNet2(), images (3, 1, 28, 28)", lambda: ns["ConvNet2"](),
                         lambda: torch.randn(3, 1, 28, 28))


def train(ns: dict[str, Any]) -> Probes:
    def run(batches: int) -> Any:
        model = Watched()
        optimizer = CountingSGD(model.parameters(), lr=0.05, momentum=0.9)
        model.eval()  # train() has to switch the mode itself
        returned = ns["train"](model, loader(2 * batches, 2), nn.CrossEntropyLoss(), optimizer, 1, 3)
        return after_training(model, optimizer, returned)

    # 101 batches: the reference prints after the 100th
    return {"train(model, 101 batches of 2, epoch=1, num_epochs=3)": lambda: run(101),
            "train(model, 3 batches of 2, epoch=1, num_epochs=3)": lambda: run(3)}


def validation(ns: dict[str, Any]) -> Probes:
    def run() -> Any:
        model = Watched()
        model.train()  # validation() has to switch the mode itself
        returned = ns["validation"](model, loader(20, 6), nn.CrossEntropyLoss())
        seen = after_training(model, None, returned)
        seen["gradients left"] = [p.grad for p in model.parameters()]
        return seen

    return {"validation(model, 20 samples in batches of 6)": run}


PROBES = {"MultinomialLogisticRegression": logistic_regression, "ConvNet2": convnet2, "train": train,
          "validation": validation}
