"""Cells -> the student module: only the top-level statements the graded names need.

Running a whole notebook would train models, download data sets and open plot
windows.  Instead this module *slices*: starting from the graded names it keeps
the top-level statements that bind them, then whatever those statements use,
transitively, and reports every statement it left out with the reason.

Semantics follow "Run all" in Jupyter:

* a name needed *late* (a graded name, or a global read inside a function or
  lambda body, which is looked up at call time) resolves to the LAST top-level
  binding in the notebook;
* a name needed *eagerly* by the statement at position ``i`` (an assignment's
  right-hand side, a decorator, a default value, a base class, a class body
  outside its methods) resolves to the last binding BEFORE ``i``.

A binding inside ``if``/``try``/``with`` may not happen, and ``x.a = ...`` /
``x[k] = ...`` change ``x`` without rebinding it, so those keep the earlier
binding too.  Statements that would train, download, plot, print, read input,
touch files, run shell commands or IPython magics are never kept, even when they
bind a needed name: resolution then falls back to the previous binding that can
be kept (the dropped one is reported with its reason).  Top-level loops,
expression statements and ``assert`` are never kept.  A definition is never
dropped for what its body does: a ``print`` (plot, loop...) in a class body runs
with the ``class`` statement in the worker, where its output is captured; only
its decorators, base classes and keywords (and a function's defaults) count.

Star imports: ``from M import *`` is kept when M is a well-known, side-effect-free
library (torch, numpy, math...; see ``SAFE_STAR_MODULES``) and some needed
non-builtin name has no explicit binding before its use; any other star import
is dropped and reported.  ``from __future__`` imports are always kept and placed
first, because Python only accepts them at the top of a module.
"""

from __future__ import annotations

import ast
import builtins
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from grader.notebook import Notebook
from grader.results import CellProblem, DroppedStatement, ExtractionSummary

__all__ = ["Statement", "Extraction", "top_level_names", "extract", "SAFE_STAR_MODULES"]

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
TOO_DEEP = "too deeply nested to analyse"

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
_BUILTINS = frozenset(dir(builtins))
_END = 1 << 62  # "after the last statement": where late-bound names are looked up


@dataclass(frozen=True)
class Statement:
    """One kept top-level statement of the student module."""

    cell: int  #: Cell.index
    line: int  #: 1-based first line within the cell (decorators included)
    source: str  #: exact source text (decorators included), starts at column 0
    binds: tuple[str, ...]  #: top-level names it binds


@dataclass(frozen=True)
class Extraction:
    """The student module (as statements) and the report of how it was cut out."""

    statements: tuple[Statement, ...]  #: kept statements, document order (``__future__`` first)
    found: dict[str, tuple[int, int]]  #: graded name -> (cell, line) of the winning definition
    summary: ExtractionSummary
    #: graded name -> indices into ``statements`` of everything it needs (itself included)
    needs: dict[str, tuple[int, ...]] = field(default_factory=dict)


# ---------------------------------------------------------------- name analysis


@dataclass
class _Scan:
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
class _Binds:
    strong: list[str] = field(default_factory=list)  #: always rebound by the statement
    weak: list[str] = field(default_factory=list)  #: maybe rebound (inside if/try/with/loop)
    mutates: list[str] = field(default_factory=list)  #: object changed in place
    defs: list[str] = field(default_factory=list)  #: bound by a ``def``
    classes: list[str] = field(default_factory=list)  #: bound by a ``class``


def _module_binds(node: ast.stmt, out: _Binds, conditional: bool = False) -> None:
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


# ---------------------------------------------------------------- classification


def _unsafe_reason(scan: _Scan, training: frozenset[str]) -> str | None:
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


# ---------------------------------------------------------------- units


@dataclass
class _Unit:
    """One top-level statement with everything resolution needs."""

    pos: int
    cell: int
    line: int
    node: ast.stmt
    source: str
    binds: _Binds
    scan: _Scan
    block: str | None = None  #: why it can never be kept; None when it can
    star: bool = False  #: a keepable star import
    future: bool = False  #: ``from __future__ import ...``

    @property
    def bound(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.binds.strong, *self.binds.weak, *self.scan.walrus]))


def _parse(notebook: Notebook) -> tuple[list[_Unit], list[CellProblem]]:
    """Every top-level statement of every parseable cell, in document order."""
    units: list[_Unit] = []
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
            binds, scan = _Binds(), _Scan()
            block = None
            try:
                _module_binds(node, binds)
                scan.visit(node, True, frozenset(), frozenset())
            except RecursionError:
                block = TOO_DEEP
            units.append(
                _Unit(
                    pos=len(units), cell=cell.index, line=first, node=node,
                    source=_segment(cell.source, node, first), binds=binds, scan=scan, block=block,
                )
            )
    return units, problems


def _segment(source: str, node: ast.stmt, first: int) -> str:
    """Exact text of a top-level statement, decorators included."""
    text = ast.get_source_segment(source, node) or ""
    if first < node.lineno:
        lines = source.split("\n")
        text = "\n".join(lines[first - 1 : node.lineno - 1]) + "\n" + text
    return text


def _classify(units: list[_Unit], graded: Sequence[str]) -> None:
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


# ---------------------------------------------------------------- resolution


class _Resolver:
    """Which statements provide a name at a given point of "Run all"."""

    def __init__(self, units: list[_Unit]) -> None:
        self.units = units
        #: name -> [(pos, kills earlier bindings)], keepable statements only, ascending
        self.providers: dict[str, list[tuple[int, bool]]] = {}
        for u in units:
            if u.block is not None:
                continue
            strong = set(u.binds.strong)
            for name in dict.fromkeys([*u.binds.strong, *u.binds.weak, *u.scan.walrus, *u.binds.mutates]):
                self.providers.setdefault(name, []).append((u.pos, name in strong))
        self.stars = [u.pos for u in units if u.star]

    def providers_of(self, name: str, before: int) -> Iterator[int]:
        """The last strong binding before ``before`` and every weak binding/mutation after it."""
        for pos, strong in reversed(self.providers.get(name, ())):
            if pos >= before:
                continue
            yield pos
            if strong:
                return
        if name not in _BUILTINS:
            yield from (p for p in self.stars if p < before)

    def needed(self, roots: Iterable[str]) -> set[int]:
        """Positions of every statement the roots need, transitively (a fixpoint)."""
        keep: set[int] = set()
        work = deque((name, _END) for name in roots)
        seen: set[tuple[str, int]] = set()
        while work:
            item = work.popleft()
            if item in seen:
                continue
            seen.add(item)
            for pos in self.providers_of(*item):
                if pos in keep:
                    continue
                keep.add(pos)
                scan = self.units[pos].scan
                work.extend((n, pos) for n in sorted(scan.eager))
                work.extend((n, _END) for n in sorted(scan.late))
        return keep

    def winner(self, name: str) -> _Unit | None:
        """The statement whose binding of ``name`` is in effect after "Run all" (mutations aside)."""
        for u in reversed(self.units):
            if u.block is None and name in u.bound:
                return u
        return None


# ---------------------------------------------------------------- public API


def top_level_names(notebook: Notebook) -> dict[str, tuple[int, int]]:
    """Every name bound at top level -> (cell, line) of its last binding, sorted by name.

    Counts every statement (also dropped ones) in parseable cells: used to
    recognise which assignment a submission is and to suggest near-miss names.
    """
    units, _ = _parse(notebook)
    last: dict[str, tuple[int, int]] = {}
    for u in units:
        for name in u.bound:
            last[name] = (u.cell, u.line)
    return dict(sorted(last.items()))


def extract(notebook: Notebook, graded_names: Sequence[str]) -> Extraction:
    """Slice the statements that define ``graded_names`` (and what they need) out of ``notebook``."""
    graded = list(dict.fromkeys(graded_names))
    units, problems = _parse(notebook)
    _classify(units, graded)
    resolver = _Resolver(units)
    keep = resolver.needed(graded)
    futures = [u for u in units if u.future]
    kept = futures + [u for u in units if u.pos in keep and not u.future]

    found: dict[str, tuple[int, int]] = {}
    for g in graded:
        w = resolver.winner(g)
        if w is not None:
            found[g] = (w.cell, w.line)
    kept_pos = {u.pos for u in kept}
    dropped = tuple(
        DroppedStatement(cell=u.cell, line=u.line, summary=_first_line(u.source),
                         reason=u.block or _superseded(u, units, kept_pos) or NOT_NEEDED)
        for u in units
        if u.pos not in kept_pos
    )
    all_problems = sorted(
        [*problems, *notebook.skipped_cells], key=lambda p: (p.cell, p.line or 0, p.message)
    )
    summary = ExtractionSummary(
        kept=tuple(f"cell {u.cell}, line {u.line}: {_first_line(u.source)}" for u in kept),
        dropped=dropped,
        missing=tuple(g for g in graded if g not in found),
        cell_problems=tuple(all_problems),
    )
    statements = tuple(Statement(cell=u.cell, line=u.line, source=u.source, binds=u.bound) for u in kept)
    index_of = {u.pos: i for i, u in enumerate(kept)}
    needs = {g: tuple(sorted(index_of[p] for p in resolver.needed([g]) if p in index_of)) for g in found}
    return Extraction(statements=statements, found=found, summary=summary, needs=needs)


def _superseded(unit: _Unit, units: list[_Unit], kept_pos: set[int]) -> str | None:
    """'redefined later' when a kept statement further down binds the same name."""
    for later in units[unit.pos + 1:]:
        if later.pos in kept_pos:
            shared = sorted(set(unit.bound) & set(later.bound))
            if shared:
                return (f"{shared[0]} is defined again in cell {later.cell}, line {later.line}; "
                        "the last definition wins")
    return None


def _first_line(source: str, limit: int = 80) -> str:
    """First line, stripped, at most ``limit`` characters."""
    line = source.split("\n", 1)[0].strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"
