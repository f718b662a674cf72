"""The code-integrity policy: what no honest answer needs, checked by the judge before anything runs.

:func:`check_statements` reads the exact top-level statements one item loads (its slice from
extraction, dependencies included) with :mod:`ast` and never runs them.  It denies what honest
coursework never needs: frames and tracebacks, reflection on functions and classes (``__globals__``,
``__subclasses__``...), dynamic execution, the modules that reach interpreter or grader internals,
``sys`` beyond a few read-only names, monkeypatching imported modules and classes, torch's private
entry points, unsafe unpickling, ``/proc`` and ``/dev``, and the torch functions an item must not use
(``forbidden``), through every alias the slice sets up.  Each :class:`Violation` names the cell, the
line and the rule in a student's words.  The worker applies a second, run-time layer
(``grader.sandbox.executor.student``) for names computed at run time.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: rule → what it protects, as the student reads it
RULES = {
    "frame-access": "reads the interpreter's call frames, tracebacks or code objects",
    "dunder-attribute": "reaches Python's internals through a special `__...__` attribute",
    "dynamic-execution": "runs or looks up code dynamically",
    "denied-import": "uses a module that graded code never needs (it reaches the interpreter, the system or "
                     "the grader)",
    "sys-access": "uses `sys` beyond the read-only names honest code needs",
    "private-attribute": "reaches a private (`_name`) attribute of a library",
    "denied-attribute": "reaches a module hidden inside another module",
    "monkeypatch": "changes a library's module or class (monkeypatching)",
    "torch-internals": "uses PyTorch's internal entry points",
    "unsafe-load": "loads a file with pickle (can run arbitrary code)",
    "system-path": "touches `/proc` or `/dev`",
    "denied-name-string": "names a forbidden attribute in a string",
    "forbidden-function": "uses a PyTorch function this item must implement itself",
}

FRAME_ATTRIBUTES = frozenset({
    "_getframe", "_getframemodulename", "_current_frames", "_current_exceptions", "settrace", "setprofile",
    "f_back", "f_globals", "f_locals", "f_builtins", "f_code", "f_trace", "f_lasti", "f_lineno",
    "tb_frame", "tb_next", "tb_lasti", "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code",
    "cr_await", "cr_origin", "ag_frame", "ag_code", "ag_await", "currentframe", "stack", "trace",
})
_FRAME_STRICT = FRAME_ATTRIBUTES - {"stack", "trace", "currentframe"}  # `torch.stack`, `x.trace()` are honest
_OPERATOR_DUNDERS = {f"__{op}__" for base in (
    "add", "sub", "mul", "matmul", "truediv", "floordiv", "mod", "divmod", "pow", "lshift", "rshift",
    "and", "or", "xor") for op in (base, "r" + base, "i" + base)}
ALLOWED_DUNDERS = frozenset({
    "__init__", "__name__", "__qualname__", "__class__", "__doc__", "__version__", "__call__", "__len__",
    "__getitem__", "__setitem__", "__iter__", "__next__", "__enter__", "__exit__", "__repr__", "__str__",
    "__module__", "__neg__", "__pos__", "__abs__", "__invert__", "__eq__", "__ne__", "__lt__", "__le__",
    "__gt__", "__ge__", "__hash__", "__bool__", "__contains__", "__float__", "__int__", "__index__",
    "__round__", "__format__", "__array__", *_OPERATOR_DUNDERS,
})
DENIED_DUNDERS = frozenset({
    "__code__", "__globals__", "__closure__", "__defaults__", "__kwdefaults__", "__subclasses__", "__mro__",
    "__bases__", "__base__", "__dict__", "__builtins__", "__self__", "__func__", "__wrapped__",
    "__getattribute__", "__setattr__", "__delattr__", "__traceback__", "__reduce__", "__reduce_ex__",
    "__import__", "__loader__", "__spec__", "__build_class__", "__objclass__", "__getattr__", "__file__",
    "__path__", "__init_subclass__", "__set_name__", "__class_getitem__", "__new__", "__del__", "__get__",
    "__set__", "__delete__", "__dictoffset__", "__weakref__", "__annotations__", "__slots__",
})
DYNAMIC_NAMES = frozenset({"eval", "exec", "compile", "globals", "locals", "vars", "breakpoint",
                           "__import__", "input", "__builtins__", "__loader__", "__spec__", "__build_class__"})
DENIED_MODULES = frozenset({
    "ctypes", "inspect", "traceback", "importlib", "builtins", "pickle", "marshal", "dill", "shelve",
    "copyreg", "types", "code", "codeop", "dis", "runpy", "pdb", "bdb", "trace", "faulthandler", "subprocess",
    "socket", "signal", "multiprocessing", "mmap", "fcntl", "resource", "sysconfig", "site", "linecache",
    "cloudpickle", "joblib", "grader", "reference", "assignments", "student",
})
#: attribute names that reach a denied module from inside another (``torch.serialization.pickle``)
DENIED_MODULE_ATTRIBUTES = frozenset({
    "gc", "ctypes", "inspect", "traceback", "importlib", "builtins", "pickle", "marshal", "dill", "shelve",
    "copyreg", "runpy", "faulthandler", "subprocess", "socket", "multiprocessing", "mmap", "fcntl",
    "sysconfig", "linecache", "sys", "pickle_module",
})
DENIED_PATHS = frozenset({"operator.attrgetter", "operator.methodcaller", "string.Formatter"})
#: ``gc.collect()`` (often beside ``torch.cuda.empty_cache()``) is honest; walking the heap is not
#: scikit-learn is provided for its metrics only (joblib's process pools are the rest's business)
SKLEARN_ALLOWED = ("sklearn.metrics",)
GC_ALLOWED = frozenset({"collect", "isenabled", "enable", "disable", "get_count", "get_threshold"})
SYS_ALLOWED = frozenset({"maxsize", "float_info", "version", "version_info", "platform", "stdout", "stderr",
                         "path", "exit", "byteorder", "getrecursionlimit", "int_info", "hexversion"})
TORCH_INTERNALS = ("torch.ops", "torch.library", "torch.overrides", "torch.utils.cpp_extension", "torch.compile",
                   "torch.package", "torch.hub", "torch.multiprocessing", "torch._")
#: assignments to these library settings are honest (``torch.backends.cudnn.benchmark = True``)
SETTINGS = ("torch.backends.", "pandas.options.", "matplotlib.", "os.environ")
_CODE_ATTRIBUTES = frozenset({
    "co_code", "co_consts", "co_names", "co_varnames", "co_filename", "co_freevars", "co_cellvars",
    "co_firstlineno", "co_qualname", "co_name", "co_flags", "co_argcount", "co_posonlyargcount",
    "co_kwonlyargcount", "co_nlocals", "co_stacksize", "co_lnotab", "co_linetable", "co_exceptiontable",
    "co_lines", "co_positions"})
DENIED_STRINGS = _FRAME_STRICT | DENIED_DUNDERS | _CODE_ATTRIBUTES


@dataclass(frozen=True)
class Violation:
    cell: int
    line: int
    rule: str
    message: str  #: names the line and the rule, in a student's words


def _dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def _private(name: str) -> bool:
    return name.startswith("_") and not _dunder(name)


class _Aliases:
    """Names bound to library objects by imports and plain assignments anywhere in the slice."""

    def __init__(self, trees: list[ast.AST]) -> None:
        self.names: dict[str, str] = {}
        self.star: list[str] = []
        self.bound: set[str] = set()
        for tree in trees:
            for node in ast.walk(tree):
                self._bind(node)
        for _ in range(3):  # assignment aliases of aliases (`F = nn.functional; d = F.dropout`)
            for tree in trees:
                for node in ast.walk(tree):
                    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                        path = self.resolve(node.value)
                        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                        for target in targets:
                            if path and isinstance(target, ast.Name):
                                self.names.setdefault(target.id, path)

    def _bind(self, node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.names[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    self.names[root] = root
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name == "*":
                    self.star.append(node.module)
                else:
                    self.names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            self.bound.add(node.id)
        elif isinstance(node, ast.arg):
            self.bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.bound.add(node.name)

    def resolve(self, node: ast.AST) -> str | None:
        """The dotted library path an expression names (``F.dropout`` → torch.nn.functional.dropout)."""
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
                and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)):
            base = self.resolve(node.args[0])
            return f"{base}.{node.args[1].value}" if base else None
        return None


_FORBIDDEN_ROOTS = ("torch.", "torchvision.", "functorch.")


class _Checker:
    def __init__(self, cell: int, first_line: int, aliases: _Aliases, forbidden: Mapping[str, str]) -> None:
        self.cell, self.first_line, self.aliases = cell, first_line, aliases
        self.forbidden = dict(forbidden)
        self.forbidden_last = {name.rsplit(".", 1)[-1]: name for name in forbidden}
        self.found: list[Violation] = []

    def add(self, node: ast.AST, rule: str, what: str, detail: str = "") -> None:
        line = self.first_line + getattr(node, "lineno", 1) - 1
        text = (f"cell {self.cell}, line {line}: `{what}` {RULES[rule]} (integrity rule `{rule}`)"
                f"{': ' + detail if detail else ''}; honest answers never need this, so the item is not "
                "graded: remove it and write the code yourself")
        self.found.append(Violation(self.cell, line, rule, text))

    def check(self, tree: ast.AST) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                self._attribute(node)
            elif isinstance(node, ast.Name):
                self._name(node)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                self._import(node)
            elif isinstance(node, ast.Call):
                self._call(node)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                self._string(node)
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete, ast.For, ast.AsyncFor)):
                targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
                for target in targets:
                    self._target(node, target)

    def _target(self, node: ast.AST, target: ast.AST) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._target(node, element)
        elif isinstance(target, ast.Starred):
            self._target(node, target.value)
        elif isinstance(target, ast.Attribute):
            self._patch(node, target.value, target.attr)
        elif isinstance(target, ast.Subscript):
            self._patch(node, target.value, None)

    def _attribute(self, node: ast.Attribute) -> None:
        name = node.attr
        if name in _FRAME_STRICT or name in _CODE_ATTRIBUTES:
            self.add(node, "frame-access", f".{name}")
        elif _dunder(name) and name not in ALLOWED_DUNDERS:
            self.add(node, "dunder-attribute", f".{name}")
        elif name in DENIED_MODULE_ATTRIBUTES or name.lstrip("_") in DENIED_MODULE_ATTRIBUTES and _private(name):
            self.add(node, "denied-attribute", f".{name}")
        path = self.aliases.resolve(node)
        if path:
            self._path(node, path)

    def _name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            if node.id in DYNAMIC_NAMES and node.id not in self.aliases.bound:
                self.add(node, "dynamic-execution", node.id)
            path = self.aliases.names.get(node.id)
            if path:
                self._path(node, path)
            elif node.id not in self.aliases.bound:
                for module in self.aliases.star:
                    self._path(node, f"{module}.{node.id}", star=True)

    def _path(self, node: ast.AST, path: str, star: bool = False) -> None:
        parts = path.split(".")
        last = parts[-1]
        if path in self.forbidden or (path.startswith(_FORBIDDEN_ROOTS) and last in self.forbidden_last):
            self.add(node, "forbidden-function", path, self.forbidden[path if path in self.forbidden
                                                                       else self.forbidden_last[last]])
            return
        if star:
            return
        root = parts[0]
        private = [part for part in parts[1:] if _private(part)]
        if root == "sys" and len(parts) > 1 and parts[1] not in SYS_ALLOWED:
            self.add(node, "sys-access", path)
        elif root == "torch" and (private or any(path == p or path.startswith(p + ".")
                                                 for p in TORCH_INTERNALS if not p.endswith("_"))):
            self.add(node, "torch-internals", path)
        elif root in DENIED_MODULES or (_private(root) and root != "__future__"):
            self.add(node, "denied-import", path)
        elif root == "gc" and len(parts) > 1 and parts[1] not in GC_ALLOWED:
            self.add(node, "denied-import", path)
        elif root == "sklearn" and len(parts) > 1 and ".".join(parts[:2]) not in SKLEARN_ALLOWED:
            self.add(node, "denied-import", path)
        elif ".".join(parts[:2]) in DENIED_PATHS:
            self.add(node, "denied-import", path)
        elif private:
            self.add(node, "private-attribute", path)

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                self.add(node, "denied-import", "from ." + (node.module or ""))
                return
            modules = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
        else:
            modules = [alias.name for alias in node.names]
        for module in modules:
            root = module.split(".")[0]
            if root in DENIED_MODULES or (_private(root) and root != "__future__"):
                self.add(node, "denied-import", f"import {module}")
            else:
                self._path(node, module)

    def _call(self, node: ast.Call) -> None:
        func = node.func
        path = self.aliases.resolve(func)
        keywords = {k.arg: k.value for k in node.keywords}
        unpacked = None in keywords
        if path in ("torch.load", "torch.serialization.load"):
            weights_only = keywords.get("weights_only")
            unsafe = isinstance(weights_only, ast.Constant) and weights_only.value is False
            if unsafe or "pickle_module" in keywords or len(node.args) > 2 or unpacked or (
                    weights_only is not None and not isinstance(weights_only, ast.Constant)):
                self.add(node, "unsafe-load", "torch.load(..., weights_only=False)")
        elif path in ("numpy.load", "numpy.lib.npyio.load"):
            allow = keywords.get("allow_pickle")
            if unpacked or len(node.args) > 2 or (allow is not None and not (
                    isinstance(allow, ast.Constant) and not allow.value)):
                self.add(node, "unsafe-load", "numpy.load(..., allow_pickle=True)")
        if isinstance(func, ast.Name) and func.id in ("getattr", "setattr", "delattr", "hasattr") \
                and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
                and isinstance(node.args[1].value, str):
            attribute = ast.Attribute(value=node.args[0], attr=node.args[1].value, ctx=ast.Load())
            ast.copy_location(attribute, node)
            self._attribute(attribute)
        if isinstance(func, ast.Name) and func.id in ("setattr", "delattr") and node.args:
            self._patch(node, node.args[0], None)

    def _string(self, node: ast.Constant) -> None:
        value = node.value
        if value.startswith(("/proc", "/dev")) or "/proc/" in value:
            self.add(node, "system-path", repr(value)[:60])
        elif value in DENIED_STRINGS:
            self.add(node, "denied-name-string", repr(value))

    def _patch(self, node: ast.AST, owner: ast.AST, attribute: str | None) -> None:
        path = self.aliases.resolve(owner)
        if path is None:
            return
        full = f"{path}.{attribute}" if attribute else path
        if full.startswith(SETTINGS) or path.startswith(SETTINGS):
            return
        self.add(node, "monkeypatch", full, "assign to your own objects (`self.…`) instead")


def check_statements(statements: Sequence[tuple[int, int, str]],
                     forbidden: Mapping[str, str] = {}) -> list[Violation]:  # noqa: B006 - read only
    """The integrity violations of the statements one item loads, in source order, one per line and rule."""
    parsed: list[tuple[int, int, ast.AST]] = []
    for cell, line, source in statements:
        try:
            parsed.append((cell, line, ast.parse(source)))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # extraction kept only statements that parse; a failure here is not the student's
    aliases = _Aliases([tree for _, _, tree in parsed])
    found: dict[tuple[int, int, str], Violation] = {}
    for cell, line, tree in parsed:
        checker = _Checker(cell, line, aliases, forbidden)
        try:
            checker.check(tree)
        except RecursionError:
            checker.add(tree, "dynamic-execution", "deeply nested code", "too deeply nested to check")
        for violation in checker.found:
            found.setdefault((violation.cell, violation.line, violation.rule), violation)
    return sorted(found.values(), key=lambda v: (v.cell, v.line, v.rule))


def forbidden_mapping(item: Any) -> dict[str, str]:
    """An item's forbidden torch names with the reason a student reads."""
    reason = f"`{item.name}` must be implemented from scratch, not with PyTorch's own version"
    return {name: reason for name in getattr(item, "forbidden", ())}
