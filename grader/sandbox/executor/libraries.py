"""The libraries real notebooks call inside graded functions, imported by the zygote and made silent.

Students put progress bars (``tqdm``, ``tqdm.auto``, ``tqdm.notebook``, ``trange``), plots
(``matplotlib.pyplot``) and ``IPython.display`` (``display``, ``clear_output``) inside their training
and evaluation loops.  None of it changes what a function computes, so it must neither fail nor
print: the zygote imports them once (:func:`prepare`; matplotlib and IPython.display only when the
judge asks, because an item's slice mentions them), before it forks that item's executor, so that the
executor finds them in ``sys.modules`` (no file to read after Landlock, no matplotlib font scan per
item), and

- tqdm is disabled by default: every bar that does not pass ``disable=`` itself is disabled (tqdm
  honours ``TQDM_DISABLE=1``, set in the executor's environment, only when it is first imported, and
  ``import torch`` imports it before the zygote starts, so the default is also set on the class);
  ``tqdm.notebook`` (which needs ipywidgets and a running kernel) is the console bar, disabled the
  same way; no monitor thread is started;
- matplotlib uses the non-interactive Agg backend; ``pyplot.show`` draws nothing and closes the
  figures, as Jupyter's inline backend does after showing them, and :func:`after_request` closes
  what is left after each probe, as the inline backend does after each cell (a ``fit`` that adds a
  line to the current figure every epoch would otherwise draw ever more lines, probe after probe);
- ``IPython.display.display``, ``update_display`` and ``clear_output`` do nothing (outside a kernel
  they would print reprs and terminal escape codes);
- scikit-learn's metrics compute what the student asks (an accuracy is an accuracy), imported on demand;
- ``torch.utils.tensorboard.SummaryWriter`` is a writer whose every method does nothing: torch ships
  the API, but its backend (the ``tensorboard`` package) is not installed, and a log of scalars never
  changes what a training loop computes.

What graded code may import is said in ``student.PROVIDED_LIBRARIES``, the message a missing
library gets.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from grader.sandbox.common.limits import ON_DEMAND_LIBRARIES as ON_DEMAND

def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


class _DisplayHandle:
    """What ``display(..., display_id=True)`` returns: its updates do nothing either."""

    display = update = _nothing


def _display(*args: Any, display_id: Any = None, **kwargs: Any) -> Any:
    return _DisplayHandle() if display_id else None


_prepared: set[str] = set()
_close_figures: list[Any] = []  #: pyplot's own ``close``, kept when matplotlib is prepared


def after_request() -> None:
    """Between two probes, what a notebook kernel does between two cells: close every figure."""
    for close in _close_figures:
        close("all")


def prepare(names: tuple[str, ...] = ()) -> None:
    """tqdm always (torch has imported it already); the ``ON_DEMAND`` libraries in ``names``, once each."""
    if "tqdm" not in _prepared:
        _prepare_tqdm()
    for name in names:
        if name in ON_DEMAND and name not in _prepared:
            {"matplotlib": _prepare_matplotlib, "IPython": _prepare_ipython,
             "tensorboard": _prepare_tensorboard, "sklearn": _prepare_sklearn}[name]()
    _prepared.update(("tqdm", *(n for n in names if n in ON_DEMAND)))


def _prepare_matplotlib() -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    from matplotlib import font_manager  # noqa: F401 - the font list is built here, once, not per executor

    close = plt.close

    def show(*args: Any, **kwargs: Any) -> None:
        close("all")

    plt.show = show
    _close_figures.append(close)


def _prepare_tqdm() -> None:
    os.environ["TQDM_DISABLE"] = "1"  # tqdm reads its TQDM_* defaults when it is first imported...
    import tqdm
    import tqdm.auto  # noqa: F401
    import tqdm.autonotebook  # noqa: F401
    import tqdm.notebook
    import tqdm.std

    tqdm.std.tqdm.monitor_interval = 0  # no monitor thread: a disabled bar has nothing to watch
    _disable_by_default(tqdm.std.tqdm)  # ...which `import torch` has already done
    notebook = sys.modules["tqdm.notebook"]
    notebook.tqdm = notebook.tqdm_notebook = tqdm.std.tqdm
    notebook.trange = notebook.tnrange = tqdm.std.trange


def _prepare_ipython() -> None:
    import IPython.core.display_functions as display_functions
    import IPython.display

    for module in (IPython.display, display_functions, sys.modules.get("IPython.core.display")):
        for name in ("display", "update_display", "clear_output"):
            if module is not None and hasattr(module, name):
                setattr(module, name, _display if name == "display" else _nothing)


class SummaryWriter:
    """``torch.utils.tensorboard.SummaryWriter`` that writes nothing (add_scalar, add_image, flush, close…)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.log_dir = str(kwargs.get("log_dir") or (args[0] if args else "runs"))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return _nothing

    def __enter__(self) -> "SummaryWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _prepare_sklearn() -> None:
    """scikit-learn's metrics (``accuracy_score`` in a validation loop), imported and used once here so
    that nothing is left to load after the executor's file access is restricted.  SciPy's OpenBLAS
    would start a pool of threads when it is loaded; a zygote forks, so it must stay single-threaded."""
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    import sklearn.metrics

    sklearn.metrics.accuracy_score([0, 1], [0, 1])
    sklearn.metrics.confusion_matrix([0, 1], [0, 1])
    sklearn.metrics.f1_score([0, 1], [0, 1], average="macro")


def _prepare_tensorboard() -> None:
    import types

    import torch.utils

    module = types.ModuleType("torch.utils.tensorboard", "A SummaryWriter that writes nothing (the grader's).")
    module.SummaryWriter = SummaryWriter  # type: ignore[attr-defined]
    sys.modules["torch.utils.tensorboard"] = module
    torch.utils.tensorboard = module  # type: ignore[attr-defined]


def _disable_by_default(cls: type) -> None:
    original = cls.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("disable", True)
        original(self, *args, **kwargs)

    cls.__init__ = __init__
