"""Why a top-level statement is never kept: the dropping rules of grader.extract.

A statement is dropped when what it runs at load time would train, download, plot,
print, read input, touch files, run shell commands or IPython magics, exit, or when
it is a loop, an expression or an ``assert``.  Only what a statement runs while it
executes counts: a ``class`` or ``def`` is never dropped for what its body does (the
analysis in :mod:`grader.extract_analysis` leaves class-body calls out of
``Scan.calls``), only for its decorators, bases, keywords and defaults.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from grader.extract_analysis import TOO_DEEP, Scan, Unit

__all__ = ["classify", "SAFE_STAR_MODULES", "NOT_NEEDED", "TOO_DEEP"]

# Reasons, as reporters and students see them.
TRAINING = "training call"
LOOP = "loop at top level (training or data code)"
DOWNLOAD = "dataset download or construction"
LOADER = "DataLoader construction"
PLOTTING = "plotting"
PRINT = "print/display"
INPUT = "input() call"
FILE_IO = "file or checkpoint I/O"
SHELL = "shell command or subprocess"
EXIT = "exit call"
MAGIC = "IPython magic or shell command"
ASSERT = "assert / test code"
EXPRESSION = "expression"
UNKNOWN_STAR = "star import from a module the grader does not know"
NOT_NEEDED = "not needed by any graded name"

#: ``from M import *`` is kept only for these modules (no side effects, well known).
SAFE_STAR_MODULES = frozenset(
    {
        "torch", "torch.nn", "torch.nn.functional", "torch.nn.init", "torch.optim",
        "numpy", "math", "random", "typing", "collections", "itertools", "functools",
        "dataclasses", "operator", "statistics",
    }
)

_TRAINING_METHODS = frozenset({"fit", "backward", "step", "zero_grad", "train"})
_DATASET_CALLS = frozenset(
    {
        "CIFAR10", "CIFAR100", "MNIST", "FashionMNIST", "KMNIST", "EMNIST", "QMNIST",
        "SVHN", "STL10", "ImageNet", "ImageFolder", "DatasetFolder", "load_dataset",
        "urlretrieve", "download_url", "download_and_extract_archive",
    }
)
_NETWORK_ROOTS = frozenset({"requests", "urllib", "wget", "gdown", "httpx"})
_PLOT_ROOTS = frozenset({"plt", "matplotlib", "pyplot", "sns", "seaborn"})
_PLOT_METHODS = frozenset({"plot", "imshow", "show"})


def _unsafe_reason(scan: Scan, training: frozenset[str]) -> str | None:
    """Why the eagerly run code of a statement must not run at load time (None: it may)."""
    calls = scan.calls
    if scan.magic or any(d[0].startswith("get_ipython") for d, _ in calls):
        return MAGIC
    if any((len(d) == 1 and d[0] in training) or (len(d) > 1 and d[-1] in _TRAINING_METHODS) for d, _ in calls):
        return TRAINING
    if scan.loop:
        return LOOP
    if any(
        dl or "datasets" in d or d[-1] in _DATASET_CALLS or d[0] in _NETWORK_ROOTS for d, dl in calls
    ):
        return DOWNLOAD
    if any(d[-1] == "DataLoader" for d, _ in calls):
        return LOADER
    if any(d[0] in _PLOT_ROOTS or (len(d) > 1 and d[-1] in _PLOT_METHODS) for d, _ in calls):
        return PLOTTING
    if any(d in (("print",), ("pprint",)) or d[-1] in ("display", "pprint") for d, _ in calls):
        return PRINT
    if any(d == ("input",) for d, _ in calls):
        return INPUT
    if any(
        d == ("open",) or d in (("torch", "save"), ("torch", "load"))
        or (d[0] in ("pickle", "np", "numpy") and d[-1] in ("dump", "load", "save", "savez"))
        for d, _ in calls
    ):
        return FILE_IO
    if any(d[0] == "subprocess" or d[:2] in (("os", "system"), ("os", "popen")) for d, _ in calls):
        return SHELL
    if any(d in (("exit",), ("quit",), ("sys", "exit"), ("os", "_exit")) for d, _ in calls):
        return EXIT
    return None


def classify(units: list[Unit], graded: Sequence[str]) -> None:
    """Set ``block``/``star``/``future`` on every unit."""
    defs = {n for u in units for n in u.binds.defs}
    classes = {n for u in units for n in u.binds.classes}
    # Graded functions (run_epoch, fit, train...) are training code: calling one
    # at load time is never needed, since the grader calls them itself.
    training = frozenset(g for g in graded if g in defs or (g not in classes and g[:1].islower()))
    for u in units:
        if u.block is not None:
            continue
        node = u.node
        if isinstance(node, ast.Expr):
            u.block = _unsafe_reason(u.scan, training) or EXPRESSION
        elif isinstance(node, ast.Assert):
            u.block = ASSERT
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            u.block = LOOP
        elif isinstance(node, ast.ImportFrom) and node.module == "__future__":
            u.future = True
        elif isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            if node.level == 0 and node.module in SAFE_STAR_MODULES:
                u.star = True
            else:
                u.block = UNKNOWN_STAR
        else:
            u.block = _unsafe_reason(u.scan, training)
