"""Copy a reference module's weights into a student's module, matched by shape in registration order.

A student's block may name its layers anything and register them in any order that
is still correct (bn2 before bn1).  So the reference's parameter-owning submodules
("units": conv1, bn1, conv2, bn2) are matched to the student's by parameter shapes,
trying the registration order first and then the other consistent assignments; a
student parameter the reference does not have (a convolution bias) is set to zero,
which is what the reference computes.  GRADING-DECISIONS.md: "try the consistent
mappings before declaring a mismatch".

The search is bounded, since the student's module is arbitrary: a module with more parameter
tensors than ``parameter_limit`` (64, or 4x the reference's count if that is more; a correct block
has the reference's count, plus a bias per layer at most) is not matched at all and fails with a
message; below that, the search never enters a branch that cannot be completed (a bipartite
matching of the units left decides it, O(R x E) for R reference units and E <= R x N pairs of
N student units).  Every branch entered yields a mapping and at most R choices per branch are
refused, so MAX_MAPPINGS mappings take O((MAX_MAPPINGS + R) x R x R x E) steps instead of the
N^R of plain backtracking; ``benchmarks/weight_matching.py`` measures it.
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np
import torch

from grader.checks.core import CheckFailed
from grader.sandbox.common.module_units import parameter_units

Unit = dict[str, Any]  #: {"prefix", "parameters": [{"name", "shape"}], "buffers": [{"name", "shape"}]}
Mapping = dict[str, str]  #: student parameter/buffer name → reference name ("" = set to zero)

MAX_MAPPINGS = 8
#: A student's module with more parameter tensors than max(MIN_PARAMETER_LIMIT, HEADROOM x the
#: reference's) is not matched: no correct answer comes near it.
MIN_PARAMETER_LIMIT = 64
HEADROOM = 4


class TooManyParameters(CheckFailed):
    """The student's module has too many parameter tensors for its weights to be matched."""


def parameter_count(units: list[Unit]) -> int:
    return sum(len(unit["parameters"]) for unit in units)


def parameter_limit(reference: list[Unit]) -> int:
    """The most parameter tensors a student's module may have to be matched to ``reference``."""
    return max(MIN_PARAMETER_LIMIT, HEADROOM * parameter_count(reference))


def check_size(student: list[Unit], reference: list[Unit], owner: str = "module") -> None:
    """Raise TooManyParameters when ``student`` is beyond ``parameter_limit``."""
    count, limit = parameter_count(student), parameter_limit(reference)
    if count > limit:
        raise TooManyParameters(
            f"your {owner} has {count} parameter tensors; the reference's has {parameter_count(reference)} and "
            f"the grader matches at most {limit} (a correct one needs far fewer), so its weights cannot be "
            "matched to the reference's (remove the layers it does not use)")


def reference_units(module: torch.nn.Module) -> list[Unit]:
    """The reference module's parameter-owning submodules, described as the worker describes a student's."""
    return parameter_units(module)


def _covers(student: Unit, reference: Unit) -> list[str] | None:
    """Student parameter names taking the reference unit's parameters in order (a subsequence), or None."""
    taken, names = [], [(p["name"], p["shape"]) for p in student["parameters"]]
    position = 0
    for wanted in reference["parameters"]:
        while position < len(names) and names[position][1] != wanted["shape"]:
            position += 1
        if position == len(names):
            return None
        taken.append(names[position][0])
        position += 1
    return taken


def _buffer_pairs(student: Unit, reference: Unit) -> Iterator[tuple[str, str]]:
    """Running statistics by name (running_mean ↔ running_mean), else by shape in order."""
    leftovers = list(reference["buffers"])
    for buffer in student["buffers"]:
        last = buffer["name"].rsplit(".", 1)[-1]
        match = next((r for r in leftovers if r["name"].rsplit(".", 1)[-1] == last and r["shape"] == buffer["shape"]),
                     None) or next((r for r in leftovers if r["shape"] == buffer["shape"]), None)
        if match is not None:
            leftovers.remove(match)
            yield buffer["name"], match["name"]


def _unit_assignments(student: list[Unit], reference: list[Unit],
                      covers: list[list[bool]]) -> Iterator[list[tuple[Unit, Unit]]]:
    """Each way of giving every reference unit its own student unit, registration order first.

    ``covers[r][s]``: student unit s can take reference unit r.  A choice is followed only when
    the reference units after it can still each get their own unused student unit (a bipartite
    matching, Kuhn's augmenting paths), so every branch entered yields an assignment.
    """
    options = [[s for s, ok in enumerate(row) if ok] for row in covers]

    def completable(index: int, used: set[int]) -> bool:
        owner: dict[int, int] = {}  # student position -> reference index, in the matching so far

        def augment(r: int, seen: set[int]) -> bool:
            for s in options[r]:
                if s in used or s in seen:
                    continue
                seen.add(s)
                if s not in owner or augment(owner[s], seen):
                    owner[s] = r
                    return True
            return False

        return all(augment(r, set()) for r in range(index, len(reference)))

    def extend(index: int, used: set[int], chosen: list[tuple[Unit, Unit]]) -> Iterator[list[tuple[Unit, Unit]]]:
        if index == len(reference):
            yield list(chosen)
            return
        for position in options[index]:
            if position not in used and completable(index + 1, used | {position}):
                yield from extend(index + 1, used | {position}, chosen + [(student[position], reference[index])])

    if completable(0, set()):
        yield from extend(0, set(), [])


def _by_parameter_shape(student: list[Unit], reference: list[Unit]) -> Mapping | None:
    """Fallback for blocks without submodules: every parameter by shape, in registration order."""
    free = [p for unit in reference for p in unit["parameters"]]
    mapping: Mapping = {}
    for unit in student:
        for param in unit["parameters"]:
            match = next((r for r in free if r["shape"] == param["shape"]), None)
            if match is not None:
                free.remove(match)
            mapping[param["name"]] = match["name"] if match else ""
    return None if free else mapping


def candidate_mappings(student: list[Unit], reference: list[Unit], owner: str = "module") -> list[Mapping]:
    """Up to MAX_MAPPINGS ways to copy the reference's weights into the student's module.

    Raises TooManyParameters (a CheckFailed naming ``owner``) beyond ``parameter_limit``.
    """
    check_size(student, reference, owner)
    taken_by = [[_covers(s, r) for s in student] for r in reference]
    position = {id(unit): i for i, unit in enumerate(student)}
    index = {id(unit): i for i, unit in enumerate(reference)}
    mappings = []
    covers = [[taken is not None for taken in row] for row in taken_by]
    for assignment in _unit_assignments(student, reference, covers):
        mapping: Mapping = {p["name"]: "" for unit in student for p in unit["parameters"]}
        for student_unit, reference_unit in assignment:
            taken = taken_by[index[id(reference_unit)]][position[id(student_unit)]] or []
            mapping.update(zip(taken, (p["name"] for p in reference_unit["parameters"])))
            mapping.update(_buffer_pairs(student_unit, reference_unit))
        mappings.append(mapping)
        if len(mappings) == MAX_MAPPINGS:
            break
    if not mappings:
        fallback = _by_parameter_shape(student, reference)
        if fallback is not None:
            mappings.append(fallback)
    return mappings


def student_state(mapping: Mapping, reference_state: dict[str, np.ndarray],
                  student_shapes: dict[str, list[int]]) -> dict[str, np.ndarray]:
    """The values to write into the student's module under ``mapping``."""
    values = {}
    for student_name, reference_name in mapping.items():
        if reference_name:
            values[student_name] = reference_state[reference_name]
        else:
            values[student_name] = np.zeros(student_shapes[student_name], dtype=np.float32)
    return values


def describe(mapping: Mapping) -> str:
    pairs = [f"{s} ← {r}" for s, r in mapping.items() if r] + [f"{s} = 0" for s, r in mapping.items() if not r]
    return ", ".join(pairs)
