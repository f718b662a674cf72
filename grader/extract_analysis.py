"""What each top-level statement of a notebook binds, reads and calls (grader.extract's analysis).

Read from the source only: nothing runs.  ``parse_notebook`` parses each cell once
(a ``ParsedNotebook``) and turns every parseable cell into ``Unit``s, one per top-level
statement, with the names it binds (``Binds``: always, maybe, in place) and the module
names and calls it uses (``Scan``: eagerly, while the statement runs, or late, from
function bodies).  Which of them may be kept is decided
by :mod:`grader.extract_rules`; which are needed, by :mod:`grader.extract`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from grader.notebook import Notebook
from grader.results import CellProblem

__all__ = ["Binds", "Scan", "Unit", "ParsedNotebook", "parse_notebook", "TOO_DEEP"]

TOO_DEEP = "too deeply nested to analyse"  #: reason of a statement (or cell) too deep for ``ast``


@dataclass
class Scan:
    """Names and calls of one top-level statement, split by when they are evaluated."""

    eager: set[str] = field(default_factory=set)  #: module names read while the statement runs
    late: set[str] = field(default_factory=set)  #: module names read inside function bodies
    calls: list[tuple[tuple[str, ...], bool]] = field(default_factory=list)  #: eager calls (dotted, download=)
    walrus: set[str] = field(default_factory=set)  #: module names bound by ``:=``
    loop: bool = False  #: an eagerly run for/while
    magic: bool = False  #: get_ipython() is used eagerly
    in_body: int = 0  #: depth of class bodies being visited (their calls and loops are not classified)

    def visit(self, node: ast.AST, eager: bool, shadow: frozenset[str], fshadow: frozenset[str]) -> None:
        """Collect module-level reads under ``node``.

        ``shadow``: names that are local here (not module names); ``fshadow``: the
        shadow that a function body defined here starts from (class scopes are
        not visible from methods).
        """
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for d in getattr(node, "decorator_list", ()):
                self.visit(d, eager, shadow, fshadow)
            self._visit_signature(node.args, getattr(node, "returns", None), eager, shadow, fshadow)
            local, declared = _function_locals(node)
            inner = (fshadow | local) - declared
            body = node.body if isinstance(node.body, list) else [node.body]
            for stmt in body:
                self.visit(stmt, False, inner, inner)
            return
        if isinstance(node, ast.ClassDef):
            for child in (*node.decorator_list, *node.bases, *node.keywords):
                self.visit(child, eager, shadow, fshadow)
            class_locals, _ = _scope_bindings(node.body)
            self.in_body += 1
            try:
                for stmt in node.body:
                    self.visit(stmt, eager, shadow | class_locals, fshadow)
            finally:
                self.in_body -= 1
            return
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            targets = frozenset(n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name))
            first, *rest = node.generators
            self.visit(first.iter, eager, shadow, fshadow)
            inner, finner = shadow | targets, fshadow | targets
            self.visit(first.target, eager, inner, finner)
            for cond in first.ifs:
                self.visit(cond, eager, inner, finner)
            for g in rest:
                self.visit(g, eager, inner, finner)
            elts = (node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,)
            for e in elts:
                self.visit(e, eager, inner, finner)
            return
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load) and node.id not in shadow:
                (self.eager if eager else self.late).add(node.id)
                if eager and node.id == "get_ipython" and not self.in_body:
                    self.magic = True
            return
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            if node.target.id not in shadow:  # ``x += 1`` reads x too
                (self.eager if eager else self.late).add(node.target.id)
        elif isinstance(node, ast.NamedExpr) and eager and not shadow:
            self.walrus.add(node.target.id)
        elif isinstance(node, ast.Call) and eager:
            download = any(k.arg == "download" for k in node.keywords)
            if not self.in_body:
                self.calls.append((_dotted(node.func), download))
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)) and eager and not self.in_body:
            self.loop = True
        for child in ast.iter_child_nodes(node):
            self.visit(child, eager, shadow, fshadow)

    def _visit_signature(
        self, args: ast.arguments, returns: ast.AST | None, eager: bool,
        shadow: frozenset[str], fshadow: frozenset[str],
    ) -> None:
        """Defaults and annotations run when the ``def`` runs."""
        parts: list[ast.AST | None] = [*args.defaults, *args.kw_defaults, returns]
        for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
            if a is not None:
                parts.append(a.annotation)
        for p in parts:
            if p is not None:
                self.visit(p, eager, shadow, fshadow)


def _dotted(func: ast.AST) -> tuple[str, ...]:
    """``torchvision.datasets.CIFAR10`` -> ("torchvision", "datasets", "CIFAR10"); "()" for a call result."""
    parts: list[str] = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    elif isinstance(func, ast.Call):
        parts.append(_dotted(func.func)[-1] + "()" if _dotted(func.func) else "()")
    else:
        parts.append("?")
    return tuple(reversed(parts))


def _function_locals(fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> tuple[frozenset[str], frozenset[str]]:
    """(local names, names declared ``global``) of a function: Python's scoping rule."""
    a = fn.args
    params = {x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg) if x is not None}
    body = fn.body if isinstance(fn.body, list) else [fn.body]
    local, declared = _scope_bindings(body)
    return frozenset(params) | local, declared


def _scope_bindings(body: Iterable[ast.AST]) -> tuple[frozenset[str], frozenset[str]]:
    """Names bound directly in a scope (not in nested scopes), and its ``global`` names."""
    bound: set[str] = set()
    declared: set[str] = set()
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            continue  # its body is another scope (its decorators cannot bind here in practice)
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update(_import_names(node))
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.Global):
            declared.update(node.names)
        elif isinstance(node, ast.Nonlocal):
            bound.update(node.names)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.add(node.rest)
        stack.extend(ast.iter_child_nodes(node))
    return frozenset(bound), frozenset(declared)


def _import_names(node: ast.Import | ast.ImportFrom) -> list[str]:
    """``import a.b`` binds a; ``import a.b as c`` binds c; star binds nothing we can name."""
    out = []
    for alias in node.names:
        if alias.name == "*":
            continue
        if alias.asname:
            out.append(alias.asname)
        elif isinstance(node, ast.Import):
            out.append(alias.name.split(".")[0])
        else:
            out.append(alias.name)
    return out


def _target_binds(target: ast.AST, strong: list[str], mutates: list[str]) -> None:
    """Names an assignment target rebinds, and names whose object it changes (``x.a =``, ``x[0] =``)."""
    if isinstance(target, ast.Name):
        strong.append(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            _target_binds(elt, strong, mutates)
    elif isinstance(target, ast.Starred):
        _target_binds(target.value, strong, mutates)
    elif isinstance(target, (ast.Attribute, ast.Subscript)):
        base = target.value
        while isinstance(base, (ast.Attribute, ast.Subscript)):
            base = base.value
        if isinstance(base, ast.Name):
            mutates.append(base.id)


@dataclass
class Binds:
    strong: list[str] = field(default_factory=list)  #: always rebound by the statement
    weak: list[str] = field(default_factory=list)  #: maybe rebound (inside if/try/with/loop)
    mutates: list[str] = field(default_factory=list)  #: object changed in place
    defs: list[str] = field(default_factory=list)  #: bound by a ``def``
    classes: list[str] = field(default_factory=list)  #: bound by a ``class``


def _module_binds(node: ast.stmt, out: Binds, conditional: bool = False) -> None:
    """Module-level names bound by a top-level statement (recursing into compound ones)."""
    strong: list[str] = []
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        strong.append(node.name)
        (out.classes if isinstance(node, ast.ClassDef) else out.defs).append(node.name)
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        strong.extend(_import_names(node))
    elif isinstance(node, ast.Assign):
        for t in node.targets:
            _target_binds(t, strong, out.mutates)
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        if node.value is not None:
            _target_binds(node.target, strong, out.mutates)
    else:
        inner: list[ast.AST] = []
        if isinstance(node, (ast.For, ast.AsyncFor)):
            _target_binds(node.target, out.weak, out.mutates)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    _target_binds(item.optional_vars, out.weak, out.mutates)
        elif isinstance(node, (ast.Try, ast.TryStar)):
            for h in node.handlers:
                if h.name:
                    out.weak.append(h.name)
                inner.extend(h.body)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                inner.extend(case.body)
        for name in ("body", "orelse", "finalbody"):
            inner.extend(getattr(node, name, ()))
        for stmt in inner:
            if isinstance(stmt, ast.stmt):
                _module_binds(stmt, out, conditional=True)
    (out.weak if conditional else out.strong).extend(strong)


@dataclass
class Unit:
    """One top-level statement with everything resolution needs."""

    pos: int
    cell: int
    line: int
    node: ast.stmt
    source: str
    binds: Binds
    scan: Scan
    block: str | None = None  #: why it can never be kept; None when it can
    star: bool = False  #: a keepable star import
    future: bool = False  #: ``from __future__ import ...``

    @property
    def bound(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.binds.strong, *self.binds.weak, *self.scan.walrus]))


@dataclass(frozen=True)
class ParsedNotebook:
    """A notebook with every cell parsed once: what name listing, definitions and extraction all read.

    ``units`` are shared: whoever marks them (``classify`` sets ``block``...) works on
    :meth:`fresh_units`, so one parse serves any number of extractions.
    """

    notebook: Notebook
    units: tuple[Unit, ...]  #: every top-level statement of every parseable cell, document order
    problems: tuple[CellProblem, ...]  #: cells that did not parse

    def fresh_units(self) -> list[Unit]:
        """Copies of the units that may be marked without touching this parse (analysis shared, read only)."""
        return [replace(u) for u in self.units]


def parse_notebook(notebook: Notebook | ParsedNotebook) -> ParsedNotebook:
    """Parse every cell of ``notebook`` with :func:`ast.parse`, once (a parsed notebook is returned as is)."""
    if isinstance(notebook, ParsedNotebook):
        return notebook
    units: list[Unit] = []
    problems: list[CellProblem] = []
    for cell in notebook.cells:
        try:
            tree = ast.parse(cell.source, filename=f"<cell {cell.index}>")
        except SyntaxError as e:
            problems.append(CellProblem(cell=cell.index, line=e.lineno, message=f"SyntaxError: {e.msg}"))
            continue
        except ValueError as e:  # e.g. NUL bytes in the source
            problems.append(CellProblem(cell=cell.index, line=None, message=f"SyntaxError: {e}"))
            continue
        except (RecursionError, MemoryError):
            problems.append(CellProblem(cell=cell.index, line=None, message=f"SyntaxError: cell is {TOO_DEEP}"))
            continue
        for node in tree.body:
            first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
            binds, scan = Binds(), Scan()
            block = None
            try:
                _module_binds(node, binds)
                scan.visit(node, True, frozenset(), frozenset())
            except RecursionError:
                block = TOO_DEEP
            units.append(
                Unit(
                    pos=len(units), cell=cell.index, line=first, node=node,
                    source=_segment(cell.source, node, first), binds=binds, scan=scan, block=block,
                )
            )
    return ParsedNotebook(notebook, tuple(units), tuple(problems))


def _segment(source: str, node: ast.stmt, first: int) -> str:
    """Exact text of a top-level statement, decorators included."""
    text = ast.get_source_segment(source, node) or ""
    if first < node.lineno:
        lines = source.split("\n")
        text = "\n".join(lines[first - 1 : node.lineno - 1]) + "\n" + text
    return text
