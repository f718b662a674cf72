"""How the mutation tool's differential test exercises each item (``python -m grader mutate``).

Each entry maps an item to its probes (see :mod:`grader.mutate.exercise`): small seeded inputs that
reach every branch of the reference, so a mutant that changes behaviour shows it on one of them.
"""

from __future__ import annotations

from typing import Any

import torch

from grader.mutate.exercise import Probes, Watched, after_training, data, module_probes


def lenet(ns: dict[str, Any]) -> Probes:
    return module_probes("LeNet(), images (3, 1, 28, 28)", lambda: ns["LeNet"](), lambda: torch.randn(3, 1, 28, 28))


def backprop_deep(ns: dict[str, Any]) -> Probes:
    def run(samples: int, **arguments: Any) -> Any:
        net = Watched()
        xtrain, ltrain = data(samples)
        returned = ns["backprop_deep"](xtrain, ltrain, net, **arguments)
        return after_training(net, None, returned)

    # the notebook's own call relies on the defaults; 10,050 samples make 100 minibatches (a printed line)
    return {"backprop_deep(10,050 samples, T=1) with the default B, gamma, rho": lambda: run(10_050, T=1),
            "backprop_deep(50 samples, T=2, B=7, gamma=0.01, rho=0.5)":
                lambda: run(50, T=2, B=7, gamma=0.01, rho=0.5)}


PROBES = {"LeNet": lenet, "backprop_deep": backprop_deep}
