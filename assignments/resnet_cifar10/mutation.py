"""How the mutation tool's differential test exercises each item (``python -m grader mutate``).

Each entry maps an item to its probes (see :mod:`grader.mutate.exercise`): small seeded inputs that
reach every branch of the reference, so a mutant that changes behaviour shows it on one of them.
"""

from __future__ import annotations

from typing import Any

import torch

from grader.mutate.exercise import CountingSGD, Probes, Watched, after_training, copied, loader, module_probes


def dropout(ns: dict[str, Any]) -> Probes:
    make = lambda: torch.randn(16, 32)  # noqa: E731
    return {**module_probes("Dropout(0.3), x (16, 32)", lambda: ns["Dropout"](0.3), make),
            **module_probes("Dropout(0.0), x (16, 32)", lambda: ns["Dropout"](0.0), make)}


def batchnorm(ns: dict[str, Any]) -> Probes:
    make = lambda: torch.randn(8, 5, 7) * 3 + 1  # noqa: E731
    return {**module_probes("BatchNorm(5), x (8, 5, 7)", lambda: ns["BatchNorm"](5), make),
            **module_probes("BatchNorm(5, eps=0.1, unbiased=True, eps_inside=False), x (8, 5, 7)",
                            lambda: ns["BatchNorm"](5, eps=0.1, unbiased=True, eps_inside=False), make)}


def residual_block(ns: dict[str, Any]) -> Probes:
    make = lambda: torch.randn(2, 4, 8, 8)  # noqa: E731
    return {**module_probes("ResidualBlock(4, 4), x (2, 4, 8, 8)", lambda: ns["ResidualBlock"](4, 4), make),
            **module_probes("ResidualBlock(4, 8, stride=2), x (2, 4, 8, 8)",
                            lambda: ns["ResidualBlock"](4, 8, stride=2), make)}


def residual_stack(ns: dict[str, Any]) -> Probes:
    make = lambda: torch.randn(2, 4, 8, 8)  # noqa: E731
    return {**module_probes("ResidualStack(4, 8, 2, 2), x (2, 4, 8, 8)", lambda: ns["ResidualStack"](4, 8, 2, 2),
                            make),
            **module_probes("ResidualStack(4, 4, 1, 3), x (2, 4, 8, 8)", lambda: ns["ResidualStack"](4, 4, 1, 3),
                            make)}


def resnet(ns: dict[str, Any]) -> Probes:
    return module_probes("resnet, x (2, 3, 32, 32)", copied(ns["resnet"]), lambda: torch.randn(2, 3, 32, 32))


def run_epoch(ns: dict[str, Any]) -> Probes:
    def epoch(train: bool) -> Any:
        model = Watched()
        optimizer = CountingSGD(model.parameters(), lr=0.1, momentum=0.9)
        returned = ns["run_epoch"](model, optimizer if train else None, loader(20, 6), train)
        return after_training(model, optimizer, returned)

    return {"run_epoch(model, optimizer, 20 samples in batches of 6, train=True)": lambda: epoch(True),
            "run_epoch(model, None, 20 samples in batches of 6, train=False)": lambda: epoch(False)}


def fit(ns: dict[str, Any]) -> Probes:
    def run(max_epochs: int, patience: int, never_right: bool = False) -> Any:
        model = Watched()
        if never_right:  # class 2 is never predicted and every validation label is 2: accuracy stays 0
            with torch.no_grad():
                model.net[3].bias[2] = -1e4
        optimizer = CountingSGD(model.parameters(), lr=0.5, momentum=0.9)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
        loaders = {"train": loader(24, 8), "val": loader(12, 6)}
        if never_right:
            loaders["val"].dataset.tensors[1].fill_(2)
        names = {id(v): k for k, v in loaders.items()}
        calls = []
        original = ns["run_epoch"]

        def recorded(*args: Any, **kwargs: Any) -> Any:
            shown = [names.get(id(a), "model" if a is model else "optimizer" if a is optimizer else repr(a)[:20])
                     for a in args]
            calls.append((tuple(shown), tuple(sorted((k, names.get(id(v), repr(v)[:20])) for k, v in
                                                    kwargs.items()))))
            return original(*args, **kwargs)

        ns["run_epoch"] = recorded
        try:
            returned = ns["fit"](model, optimizer, scheduler, loaders, max_epochs, patience)
        finally:
            ns["run_epoch"] = original
        seen = after_training(model, optimizer, returned)
        seen.update({"run_epoch calls": calls, "scheduler steps": scheduler.last_epoch})
        return seen

    return {"fit(max_epochs=8, patience=2), 24 training and 12 validation samples": lambda: run(8, 2),
            "fit(max_epochs=3, patience=5), 24 training and 12 validation samples": lambda: run(3, 5),
            "fit(max_epochs=4, patience=2), validation accuracy always 0": lambda: run(4, 2, never_right=True)}


PROBES = {"Dropout": dropout, "BatchNorm": batchnorm, "ResidualBlock": residual_block,
          "ResidualStack": residual_stack, "resnet": resnet, "run_epoch": run_epoch, "fit": fit}
