"""Mutants of an assignment's reference: one change to one item's definition, the rest of the file as is.

An item's definitions are the top-level statements of ``reference/<assignment>.py`` that bind its name
and, recursively, the top-level definitions they use that are not graded items themselves
(``resnet`` is ``resnet = build_resnet()`` and ``build_resnet``; ``ResidualStack`` is not mutated for
``resnet``, it has mutants of its own).  Each mutant is that whole file with one definition replaced
by the ``ast.unparse`` of its changed copy.  Mutants that do not compile, or that unparse to the same
text as the original or as an earlier mutant, are skipped.
"""

from __future__ import annotations

import ast
import copy
import importlib.util
import random
from dataclasses import dataclass
from pathlib import Path

from grader.assignment import Assignment
from grader.errors import UnknownAssignment
from grader.mutate.operators import Edit, Slot, at, edits, slots

#: Longest ``old``/``new`` text shown for one change; longer ones are cut around the change.
SHOWN = 100


class UnknownItem(UnknownAssignment):
    """No item by that name in the assignment. Pass one of the names listed."""


@dataclass(frozen=True)
class Mutant:
    id: str  #: ``<item>#<n>``, n counting this item's mutants in generation order
    assignment: str
    item: str
    definition: str  #: the top-level name whose definition changed
    kind: str  #: operator, constant, statement, arguments or name
    label: str  #: the change in words (``>= → >``)
    line: int  #: line of the change in the reference file
    old: str  #: the changed line's code before
    new: str  #: and after (``(removed)`` for a removed statement)
    source: str  #: the whole reference module with the change


def reference_path(assignment: Assignment) -> Path:
    spec = importlib.util.find_spec(f"reference.{assignment.name}")
    if spec is None or spec.origin is None:
        raise UnknownAssignment(f"assignment {assignment.name!r} has no reference/{assignment.name}.py to mutate")
    return Path(spec.origin)


def item_names(assignment: Assignment, only: str | None = None) -> tuple[str, ...]:
    """The items to mutate: all, or ``only`` (an item's name; refused with the list when unknown)."""
    names = assignment.graded_names
    if only is None:
        return names
    if only not in names:
        raise UnknownItem(f"{assignment.name} has no item {only!r}; its items: {', '.join(names)}")
    return (only,)


def generate(assignment: Assignment, item: str, max_count: int | None = None, seed: int = 0) -> list[Mutant]:
    """The item's mutants in a fixed order; at most ``max_count`` of them, sampled with ``seed``."""
    source = reference_path(assignment).read_text(encoding="utf-8")
    module = ast.parse(source)
    mutants: list[Mutant] = []
    seen: set[str] = set()
    for statement in definitions(module, item, set(assignment.graded_names)):
        original = ast.unparse(statement)
        seen.add(original)
        for index, slot in enumerate(slots(statement)):
            for edit in edits(slot):
                changed, shown = _apply(statement, index, slot, edit)
                text = ast.unparse(changed)
                if text in seen:
                    continue
                seen.add(text)
                whole = _splice(source, statement, text)
                try:
                    compile(whole, f"{assignment.name}.py", "exec")
                except SyntaxError:
                    continue
                line, old, new = _shown_change(statement, changed, slot, edit, shown)
                mutants.append(Mutant(f"{item}#{len(mutants) + 1}", assignment.name, item,
                                      _bound_name(statement), edit.kind, edit.label, line, old, new, whole))
    if max_count is not None and len(mutants) > max_count:
        chosen = set(random.Random(f"{seed}:{item}").sample(range(len(mutants)), max_count))
        mutants = [m for i, m in enumerate(mutants) if i in chosen]
    return mutants


def definitions(module: ast.Module, item: str, items: set[str]) -> list[ast.stmt]:
    """The top-level statements that make ``item``: its own and the non-item helpers they use, in file order."""
    bound: dict[str, list[ast.stmt]] = {}
    for statement in module.body:
        for name in _binds(statement):
            bound.setdefault(name, []).append(statement)
    wanted: list[ast.stmt] = []
    todo = [item]
    done: set[str] = set()
    while todo:
        name = todo.pop()
        if name in done:
            continue
        done.add(name)
        for statement in bound.get(name, ()):
            if any(statement is w for w in wanted) or isinstance(statement, (ast.Import, ast.ImportFrom)):
                continue
            wanted.append(statement)
            used = {n.id for n in ast.walk(statement) if isinstance(n, ast.Name)}
            todo.extend(sorted(n for n in used if n in bound and n not in items and n != name))
    return sorted(wanted, key=lambda s: s.lineno)


def _binds(statement: ast.stmt) -> list[str]:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [statement.name]
    if isinstance(statement, (ast.Assign, ast.AnnAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in statement.names]
    return []


def _bound_name(statement: ast.stmt) -> str:
    names = _binds(statement)
    return names[0] if names else f"line {statement.lineno}"


def _apply(statement: ast.stmt, index: int, slot: Slot, edit: Edit) -> tuple[ast.stmt, ast.AST | None]:
    """A changed copy of ``statement`` and, in it, the node to show (None when the change removed it)."""
    changed = copy.deepcopy(statement)
    target = slots(changed)[index]
    shown_path = _shown_path(statement, slot, edit)
    edit.apply(target)
    ast.fix_missing_locations(changed)
    return changed, None if edit.removes else at(changed, shown_path)


def _shown_path(statement: ast.stmt, slot: Slot, edit: Edit) -> tuple[tuple[str, int | None], ...]:
    """Where the change is shown: the largest one-line node around it, inside its statement."""
    if edit.removes:
        return slot.path
    best = slot.path
    for cut in range(len(slot.path), -1, -1):
        node = at(statement, slot.path[:cut])
        if isinstance(node, ast.arguments):  # a default or an argument: show the whole signature line
            return slot.path[:cut - 1]
        if getattr(node, "lineno", None) is None or node.lineno != getattr(node, "end_lineno", node.lineno):
            break
        best = slot.path[:cut]
        if isinstance(node, ast.stmt):
            break
    return best


def _shown_change(statement: ast.stmt, changed: ast.stmt, slot: Slot, edit: Edit,
                  shown: ast.AST | None) -> tuple[int, str, str]:
    original = at(statement, _shown_path(statement, slot, edit))
    line = getattr(original, "lineno", statement.lineno)
    old = _first_line(ast.unparse(original))
    if shown is None:
        return line, old, "(removed)"
    new = _first_line(ast.unparse(shown))
    return line, *_cut(old, new)


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else text


def _cut(old: str, new: str) -> tuple[str, str]:
    """Both texts cut to about SHOWN characters, around the first place where they differ."""
    if max(len(old), len(new)) <= SHOWN:
        return old, new
    start = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
    begin = max(0, start - SHOWN // 3)

    def window(text: str) -> str:
        piece = text[begin:begin + SHOWN]
        return ("…" if begin else "") + piece + ("…" if begin + SHOWN < len(text) else "")
    return window(old), window(new)


def _splice(source: str, statement: ast.stmt, text: str) -> str:
    """``source`` with ``statement``'s lines (decorators included) replaced by ``text``."""
    lines = source.splitlines(keepends=True)
    first = min([statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", ()))])
    end = statement.end_lineno or statement.lineno
    return "".join(lines[:first - 1]) + text + "\n" + "".join(lines[end:])
