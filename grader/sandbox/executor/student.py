"""Inside the worker: the student module, and every call into student code.

:func:`call_student` is the only way probes run student code: it turns whatever
happens (return, exception, ``SystemExit``, ``KeyboardInterrupt``) into a value,
keeps only the student's own traceback frames, and undoes tampering with the
functions the probes rely on.  Nothing here is imported by the judge for use on
student objects; the judge only ever sees the plain data the probes return.
"""

from __future__ import annotations

import builtins
import contextlib
import gc
import linecache
import sys
import traceback
import types
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from grader import integrity
from grader.sandbox.executor.guard import Guard

CELL_PREFIX = "<cell "
#: what a ModuleNotFoundError in graded code is answered with (see grader.sandbox.executor.libraries)
PROVIDED_LIBRARIES = ("torch, numpy, math, random, time, gc.collect, tqdm, matplotlib, IPython.display, "
                      "scikit-learn's metrics, torch.utils.tensorboard's SummaryWriter, torchvision and Python's "
                      "standard library")
MAX_TRACEBACK_CHARS = 4000
#: Set by the worker at start-up so that memory errors can name the limit.
memory_limit_gib: float | None = None


class StudentCodeError(Exception):
    """Student code raised (or exited); carries a plain-data description."""

    def __init__(self, failure: dict[str, Any]) -> None:
        super().__init__(failure.get("summary", "student code failed"))
        self.failure = failure


class TamperingDetected(Exception):
    """Student code replaced functions the grader relies on (now restored)."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(", ".join(names))
        self.names = names


def cell_filename(cell: int) -> str:
    return f"{CELL_PREFIX}{cell}>"


def describe_exception(exc: BaseException) -> dict[str, Any]:
    """Summary and the student's own frames of an exception raised in student code."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(CELL_PREFIX)]
    lines = ["Traceback (your code, most recent call last):"] if frames else []
    for frame in frames:
        lines.append(f'  {frame.filename.strip("<>")}, line {frame.lineno}, in {frame.name}')
        if frame.line:
            lines.append(f"    {frame.line.strip()}")
    summary = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    missing = _missing_library(exc)
    if missing:
        summary = (f"{type(exc).__name__}: `{missing}` is not available to the grader: graded code may use "
                   f"{PROVIDED_LIBRARIES}; remove `{missing}` from the graded code")
    out_of_memory = (isinstance(exc, MemoryError) or "can't allocate memory" in summary
                     or "not enough memory" in summary)
    if out_of_memory:
        limit = f" of {memory_limit_gib:g} GiB" if memory_limit_gib else ""
        summary = f"{summary} (exceeded the memory limit{limit})"
    lines.append(summary)
    text = "\n".join(lines)
    if len(text) > MAX_TRACEBACK_CHARS:
        text = text[: MAX_TRACEBACK_CHARS // 2] + "\n…\n" + text[-MAX_TRACEBACK_CHARS // 2 :]
    where = f"{frames[-1].filename.strip('<>')}, line {frames[-1].lineno}" if frames else None
    return {"kind": "exception", "type": type(exc).__name__, "summary": summary[:1000],
            "traceback": text, "where": where, "out_of_memory": out_of_memory}


def _missing_library(exc: BaseException) -> str | None:
    """The top-level name of a library the executor does not have, for a ModuleNotFoundError."""
    if not isinstance(exc, ModuleNotFoundError) or not isinstance(exc.name, str) or not exc.name:
        return None
    root = exc.name.split(".")[0]
    if root in sys.modules:  # a missing submodule of a library we have: its own message says more
        return None
    return root


@dataclass
class StudentModule:
    """The namespace the kept statements run in, registered as module ``student``."""

    guard: Guard
    module: types.ModuleType = field(default_factory=lambda: types.ModuleType("student"))

    def __post_init__(self) -> None:
        self.module.__dict__["get_ipython"] = _NoIPython
        self.module.__dict__["__builtins__"] = student_builtins()
        sys.modules["student"] = self.module

    @property
    def namespace(self) -> dict[str, Any]:
        return self.module.__dict__

    def run_statement(self, cell: int, line: int, source: str) -> None:
        filename = cell_filename(cell)
        padded = "\n" * (line - 1) + source
        _register_source(filename, line, source)
        code = compile(padded, filename, "exec", dont_inherit=True)
        self.call(exec, code, self.namespace)

    @contextlib.contextmanager
    def substituted(self, name: str, value: Any) -> Iterator[Any]:
        """Bind ``name`` to ``value`` in the student's namespace for a while (e.g. an instrumented
        ``run_epoch`` seen by the student's ``fit``); yields what was there, restores it afterwards."""
        missing = object()
        previous = self.namespace.get(name, missing)
        self.namespace[name] = value
        try:
            yield None if previous is missing else previous
        finally:
            if previous is missing:
                self.namespace.pop(name, None)
            else:
                self.namespace[name] = previous

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call into student code; any outcome but a return becomes StudentCodeError."""
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:  # SystemExit, KeyboardInterrupt included: student's doing
            tampered = self.guard.check_and_restore()
            if tampered:
                raise TamperingDetected(tampered) from None
            raise StudentCodeError(describe_exception(exc)) from None
        tampered = self.guard.check_and_restore()
        if tampered:
            raise TamperingDetected(tampered)
        return result


def _register_source(filename: str, first_line: int, source: str) -> None:
    """Make the statement's lines visible to tracebacks under ``<cell N>``."""
    lines = list(linecache.cache.get(filename, (0, None, [], filename))[2])
    new = source.splitlines(keepends=True)
    if new and not new[-1].endswith("\n"):
        new[-1] += "\n"
    while len(lines) < first_line - 1 + len(new):
        lines.append("\n")
    lines[first_line - 1 : first_line - 1 + len(new)] = new
    linecache.cache[filename] = (sum(map(len, lines)), None, lines, filename)


class IntegrityError(PermissionError):
    """Student code asked for something the code-integrity policy denies; the message names the rule."""


IntegrityError.__module__ = "builtins"  # the student reads "IntegrityError: …", not the grader's module path


def _refuse(what: str, rule: str) -> IntegrityError:
    return IntegrityError(f"{what} is refused by the grader (integrity rule `{rule}`: "
                          f"{integrity.RULES[rule]}); honest answers never need this")


#: Modules the run-time ``__import__`` refuses.  The static policy (grader.integrity) denies more;
#: inspect, linecache, signal, socket and subprocess stay importable at run time so that the
#: executor's own limits (Landlock, namespaces, leftover processes) can be tested behind them.
RUNTIME_DENIED_MODULES = integrity.DENIED_MODULES - {"inspect", "linecache", "signal", "socket", "subprocess"}
_TORCH_INTERNAL = ("torch.ops", "torch.library", "torch.overrides", "torch.utils.cpp_extension", "torch.package",
                   "torch.hub", "torch.multiprocessing")


def _check_name(obj: Any, name: Any, writing: bool = False) -> None:
    if not isinstance(name, str):
        return  # the real builtin raises its own TypeError
    if name in integrity.DENIED_STRINGS:
        raise _refuse(f"the attribute `{name}`", "dunder-attribute" if name.startswith("__") else "frame-access")
    if len(name) > 4 and name.startswith("__") and name.endswith("__") and name not in integrity.ALLOWED_DUNDERS:
        raise _refuse(f"the attribute `{name}`", "dunder-attribute")
    if isinstance(obj, types.ModuleType):
        label = f"`{getattr(obj, '__name__', 'module')}.{name}`"
        if writing:
            raise _refuse(f"changing {label}", "monkeypatch")
        if name.startswith("_") and not name.startswith("__"):
            raise _refuse(label, "private-attribute")
        if name in integrity.DENIED_MODULE_ATTRIBUTES:
            raise _refuse(label, "denied-attribute")
        if obj is sys and name not in integrity.SYS_ALLOWED:
            raise _refuse(label, "sys-access")
        if obj is gc and name not in integrity.GC_ALLOWED:
            raise _refuse(label, "denied-import")
    elif writing and isinstance(obj, type) and obj.__module__ != "student":
        raise _refuse(f"changing `{obj.__module__}.{obj.__qualname__}.{name}`", "monkeypatch")


def _checked_value(value: Any) -> Any:
    if isinstance(value, types.ModuleType):
        root = str(getattr(value, "__name__", "")).split(".")[0]
        if root in RUNTIME_DENIED_MODULES or root.startswith("_"):
            raise _refuse(f"the module `{value.__name__}`", "denied-import")
    return value


_MISSING = object()


def _getattr(obj: Any, name: Any, default: Any = _MISSING) -> Any:
    _check_name(obj, name)
    value = getattr(obj, name) if default is _MISSING else getattr(obj, name, default)
    return _checked_value(value)


def _hasattr(obj: Any, name: Any) -> bool:
    _check_name(obj, name)
    return hasattr(obj, name)


def _setattr(obj: Any, name: Any, value: Any) -> None:
    _check_name(obj, name, writing=True)
    setattr(obj, name, value)


def _delattr(obj: Any, name: Any) -> None:
    _check_name(obj, name, writing=True)
    delattr(obj, name)


def _import(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
    if not isinstance(name, str):
        raise TypeError("module name must be a string")
    # Only the top-level name is judged here: torch's C++ code imports its own private submodules lazily
    # (``torch._library…``) through whatever ``__import__`` the calling frame has, which is the student's;
    # ``import torch._C`` written in the notebook is refused by the static policy before anything runs.
    root = name.split(".")[0]
    if level or root in RUNTIME_DENIED_MODULES or (root.startswith("_") and root != "__future__"):
        raise _refuse(f"`import {'.' * level}{name}`", "denied-import")
    for entry in fromlist or ():
        if not isinstance(entry, str):
            continue
        if entry.startswith("_") or entry in integrity.DENIED_MODULE_ATTRIBUTES or \
                f"{name}.{entry}" in _TORCH_INTERNAL or (name == "sys" and entry not in integrity.SYS_ALLOWED) or \
                (name == "gc" and entry not in integrity.GC_ALLOWED) or \
                f"{name}.{entry}" in integrity.DENIED_PATHS:
            raise _refuse(f"`from {name} import {entry}`", "denied-import")
    return builtins.__import__(name, globals, locals, fromlist, level)


def _stub(name: str) -> Callable[..., Any]:
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise _refuse(f"`{name}()`", "dynamic-execution")

    refused.__name__ = refused.__qualname__ = name
    return refused


def student_builtins() -> dict[str, Any]:
    """The builtins the notebook's code sees: a copy with checked reflection and no dynamic execution.

    The worker itself compiles and runs the statements with the real builtins."""
    namespace = dict(vars(builtins))
    namespace.update(getattr=_getattr, hasattr=_hasattr, setattr=_setattr, delattr=_delattr, __import__=_import)
    for name in ("eval", "exec", "compile", "globals", "locals", "vars", "breakpoint", "input"):
        namespace[name] = _stub(name)
    return namespace


class _NoIPython:
    """Stand-in for ``get_ipython()`` inside functions: magics do nothing."""

    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None
