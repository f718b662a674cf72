"""Compare two observations (the reference's, a mutant's): the first difference, in words, or None."""

from __future__ import annotations

import math
from typing import Any

import torch

RTOL, ATOL = 1e-5, 1e-6  #: tensors and floats: what counts as equal after the same seeded computation
SHOWN = 60  #: longest repr shown for a value


def first_difference(reference: Any, mutant: Any, where: str = "") -> str | None:
    raised = [_is_raised(reference), _is_raised(mutant)]
    if raised == [False, True]:
        return f"{where + ': ' if where else ''}the mutant {mutant}, the reference did not"
    if raised == [True, False]:
        return f"{where + ': ' if where else ''}the reference {reference}, the mutant did not"
    if isinstance(reference, torch.Tensor) and isinstance(mutant, torch.Tensor):
        return _tensors(reference, mutant, where)
    if isinstance(reference, dict) and isinstance(mutant, dict):
        if list(reference) != list(mutant):
            if len(reference) != len(mutant):
                return f"{where or 'the result'}: {len(reference)} entries became {len(mutant)}"
            a, b = next((a, b) for a, b in zip(reference, mutant) if a != b)
            return f"{where or 'the result'}: entry {a!r} became {b!r}"
        for key in reference:
            found = first_difference(reference[key], mutant[key], f"{where}, {key}" if where else str(key))
            if found:
                return found
        return None
    if isinstance(reference, (list, tuple)) and isinstance(mutant, (list, tuple)):
        if len(reference) != len(mutant):
            return f"{where or 'the result'}: {len(reference)} entries became {len(mutant)}"
        for index, (a, b) in enumerate(zip(reference, mutant)):
            found = first_difference(a, b, f"{where}[{index}]")
            if found:
                return found
        return None
    if _number(reference) and _number(mutant):
        if math.isclose(reference, mutant, rel_tol=RTOL, abs_tol=ATOL) or (math.isnan(reference) and
                                                                            math.isnan(mutant)):
            return None
        return f"{where or 'the result'}: {reference!r} became {mutant!r}"
    if type(reference) is not type(mutant) or reference != mutant:
        return f"{where or 'the result'}: {_short(reference)} became {_short(mutant)}"
    return None


def _tensors(reference: torch.Tensor, mutant: torch.Tensor, where: str) -> str | None:
    if reference.shape != mutant.shape:
        return f"{where}: shape {tuple(reference.shape)} became {tuple(mutant.shape)}"
    if reference.dtype != mutant.dtype:
        return f"{where}: dtype {reference.dtype} became {mutant.dtype}"
    if reference.is_floating_point():
        if torch.allclose(reference, mutant, rtol=RTOL, atol=ATOL, equal_nan=True):
            return None
        gap = (reference - mutant).abs().nan_to_num(nan=math.inf).max().item()
        return f"{where}: values differ (largest difference {gap:.3g})"
    if torch.equal(reference, mutant):
        return None
    return f"{where}: values differ ({int((reference != mutant).sum())} of {reference.numel()} entries)"


def _is_raised(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("raised ")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN else text[:SHOWN - 1] + "…"
