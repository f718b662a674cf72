"""Copy a reference module's weights into a student's module, matched by shape in registration order.

A student's block may name its layers anything and register them in any order that
is still correct (bn2 before bn1).  So the reference's parameter-owning submodules
("units": conv1, bn1, conv2, bn2) are matched to the student's by parameter shapes,
trying the registration order first and then the other consistent assignments; a
student parameter the reference does not have (a convolution bias) is set to zero,
which is what the reference computes.  GRADING-DECISIONS.md: "try the consistent
mappings before declaring a mismatch".
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np
import torch

from grader.sandbox.structure_probes import parameter_units

Unit = dict[str, Any]  #: {"prefix", "parameters": [{"name", "shape"}], "buffers": [{"name", "shape"}]}
Mapping = dict[str, str]  #: student parameter/buffer name → reference name ("" = set to zero)

MAX_MAPPINGS = 8


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


def _unit_assignments(student: list[Unit], reference: list[Unit]) -> Iterator[list[tuple[Unit, Unit]]]:
    """Each way of giving every reference unit its own student unit, registration order first."""
    def extend(index: int, used: set[int], chosen: list[tuple[Unit, Unit]]) -> Iterator[list[tuple[Unit, Unit]]]:
        if index == len(reference):
            yield list(chosen)
            return
        for position, unit in enumerate(student):
            if position not in used and _covers(unit, reference[index]) is not None:
                yield from extend(index + 1, used | {position}, chosen + [(unit, reference[index])])

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


def candidate_mappings(student: list[Unit], reference: list[Unit]) -> list[Mapping]:
    """Up to MAX_MAPPINGS ways to copy the reference's weights into the student's module."""
    mappings = []
    for assignment in _unit_assignments(student, reference):
        mapping: Mapping = {p["name"]: "" for unit in student for p in unit["parameters"]}
        for student_unit, reference_unit in assignment:
            taken = _covers(student_unit, reference_unit) or []
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
