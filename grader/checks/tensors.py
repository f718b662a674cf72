"""Describing tensors and their differences in words a student understands."""

from __future__ import annotations

from typing import Any

import numpy as np


def shape_str(shape: Any) -> str:
    return "(" + ", ".join(str(int(s)) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def short(array: np.ndarray, limit: int = 6) -> str:
    """A few values of an array, enough to recognise it."""
    flat = np.asarray(array).reshape(-1)
    values = ", ".join(f"{v:.4g}" if isinstance(v, (float, np.floating)) else str(v) for v in flat[:limit])
    return f"[{values}{', …' if flat.size > limit else ''}]"


def first_mismatch(got: np.ndarray, bad: np.ndarray) -> str:
    """'at index (0, 2): expected …, got …' for the first True entry of ``bad``."""
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    return f"at index {index}: got {got[index]:.6g}"


def relative_error(got: np.ndarray, expected: np.ndarray) -> float:
    """||got - expected|| / ||expected||: how far off a gradient is, whatever its scale."""
    return float(np.linalg.norm(got.ravel() - expected.ravel()) / max(np.linalg.norm(expected.ravel()), 1e-12))


def require_tensor(report: dict[str, Any], what: str) -> None:
    """Fail unless the worker saw a plain torch.Tensor."""
    from grader.checks.core import CheckFailed

    if not report.get("is_tensor"):
        kind = report.get("type", "?")
        if report.get("is_tensor_subclass"):
            raise CheckFailed(f"{what} returned a {kind}, a subclass of torch.Tensor; "
                              "return a plain torch.Tensor")
        raise CheckFailed(f"{what} returned {kind}, not a torch.Tensor")
