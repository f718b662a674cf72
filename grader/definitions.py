"""The classes, functions and instances a notebook defines at top level, with their signatures.

Used to tell an instructor which definition of a submission probably IS a graded
item the student renamed (``LogisticRegression`` for ``MultinomialLogisticRegression``),
and to accept the course's own renamings.  Read from the source only: nothing runs.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from grader.extract_analysis import ParsedNotebook, parse_notebook
from grader.notebook import Notebook


@dataclass(frozen=True)
class Definition:
    """One top-level ``class``, ``def`` or ``name = Call(...)`` of a notebook."""

    name: str
    kind: str  #: "class", "function" or "instance"
    cell: int
    line: int
    parameters: tuple[str, ...] = ()  #: of the function, or of the class's ``__init__`` (without self)
    required: int = 0  #: parameters without a default
    open_ended: bool = False  #: ``*args`` or no visible ``__init__``: any count may fit
    made_by: str = ""  #: an instance's constructor as written (``nn.Sequential``)

    def accepts(self, count: int) -> bool:
        """Can it be called with ``count`` positional arguments?"""
        return self.required <= count and (self.open_ended or count <= len(self.parameters))

    @property
    def signature(self) -> str:
        if self.kind == "instance":
            return f"{self.name} = {self.made_by}(…)"
        return f"{self.name}({', '.join(self.parameters)})"


def _signature(function: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> tuple[tuple[str, ...], int, bool]:
    arguments = function.args
    positional = [a.arg for a in (*arguments.posonlyargs, *arguments.args)]
    if method:
        positional = positional[1:]
    required = len(positional) - len(arguments.defaults)
    return tuple(positional), max(required, 0), arguments.vararg is not None


def _definition(node: ast.stmt, cell: int) -> Definition | None:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        parameters, required, open_ended = _signature(node, method=False)
        return Definition(node.name, "function", cell, node.lineno, parameters, required, open_ended)
    if isinstance(node, ast.ClassDef):
        init = next((m for m in node.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))
                     and m.name == "__init__"), None)
        if init is None:
            return Definition(node.name, "class", cell, node.lineno, open_ended=True)
        parameters, required, open_ended = _signature(init, method=True)
        return Definition(node.name, "class", cell, node.lineno, parameters, required, open_ended)
    if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Call)):
        return Definition(node.targets[0].id, "instance", cell, node.lineno, made_by=ast.unparse(node.value.func))
    return None


def definitions(notebook: Notebook | ParsedNotebook) -> list[Definition]:
    """Every top-level definition in document order (a name defined twice appears twice).

    Read from the parse extraction uses (cells that do not parse have none; the extraction reports them).
    """
    found = (_definition(unit.node, unit.cell) for unit in parse_notebook(notebook).units)
    return [d for d in found if d is not None]
