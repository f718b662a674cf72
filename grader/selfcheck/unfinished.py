"""Which items a student has not written yet, so that self-check says "not implemented yet" for them.

An item is unfinished when the notebook does not define it, when its definition is still the
template's (the same syntax tree as in the released template, whatever the formatting), or when a
check stopped on the stub's ``NotImplementedError``.  Its checks then read "not implemented yet"
instead of one traceback per check.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import nbformat

from grader.assignment import Assignment
from grader.notebook import Notebook
from grader.release.markers import template_notebook
from grader.results import CheckResult, ItemResult

__all__ = ["mark_unfinished", "template_sources", "untouched"]


#: what a stub says (a template's own finished code, such as the course's given ``validation``, is not one)
STUB = re.compile(r"NotImplementedError|\bTODO\b|YOUR CODE HERE|\bCOMPLETE\b")


def _top_level(sources: list[str], stubs_only: bool = False) -> dict[str, str]:
    """Name → ``ast.dump`` of the last top-level class, def or assignment binding it (only definitions
    whose text reads as a stub, with ``stubs_only``)."""
    found: dict[str, str] = {}
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if stubs_only and not STUB.search(ast.get_source_segment(source, node, padded=True) or ""):
                continue
            if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                found[node.name] = ast.dump(node)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = ast.dump(node)
    return found


def template_sources(assignment: Assignment) -> dict[str, set[str]]:
    """The handed-out stubs, name → syntax trees: of the assignment's template notebook (the one a bundle
    ships, or the course's own) and of the template made from ``solution.ipynb`` where there is one."""
    found: dict[str, set[str]] = {}
    if assignment.template is None:
        return found
    for path in (Path(assignment.template), Path(assignment.template).with_name("solution.ipynb")):
        if not path.is_file():
            continue
        notebook = nbformat.read(str(path), as_version=4)
        if path.name == "solution.ipynb":
            notebook = template_notebook(notebook)
        for name, tree in _top_level([c.source for c in notebook.cells if c.cell_type == "code"], True).items():
            found.setdefault(name, set()).add(tree)
    return found


def untouched(notebook: Notebook, template: dict[str, set[str]]) -> set[str]:
    """The names the notebook defines exactly as the template does (their checks need not run)."""
    submitted = _top_level([cell.source for cell in notebook.cells])
    return {name for name, tree in submitted.items() if tree in template.get(name, ())}


def _why(item: ItemResult, submitted: dict[str, str], template: dict[str, set[str]]) -> str:
    if item.found_as is None:
        return f"not implemented yet: the notebook does not define `{item.name}`"
    if submitted.get(item.found_as) in template.get(item.found_as, ()):
        return f"not implemented yet: `{item.found_as}` is still the template's code"
    if any("NotImplementedError" in check.message for check in item.checks):
        return f"not implemented yet: `{item.found_as}` still raises NotImplementedError"
    return ""


def mark_unfinished(items: tuple[ItemResult, ...], notebook: Notebook,
                    template: dict[str, set[str]]) -> tuple[tuple[ItemResult, ...], tuple[str, ...]]:
    """The items with every unfinished one's checks failed as "not implemented yet", and their names."""
    submitted = _top_level([cell.source for cell in notebook.cells])
    marked, unfinished = [], []
    for item in items:
        why = _why(item, submitted, template)
        if not why:
            marked.append(item)
            continue
        unfinished.append(item.name)
        hint = " (write your code where the template says TODO, then save the notebook)"
        checks = tuple(CheckResult(c.name, c.description, "failed", 0.0, c.max_points, "not implemented yet",
                                   visibility=c.visibility) for c in item.checks)
        marked.append(dataclasses.replace(item, checks=checks, message=why + hint))
    return tuple(marked), tuple(unfinished)
