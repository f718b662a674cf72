"""Inside the worker: the student module, and every call into student code.

:func:`call_student` is the only way probes run student code: it turns whatever
happens (return, exception, ``SystemExit``, ``KeyboardInterrupt``) into a value,
keeps only the student's own traceback frames, and undoes tampering with the
functions the probes rely on.  Nothing here is imported by the judge for use on
student objects; the judge only ever sees the plain data the probes return.
"""

from __future__ import annotations

import contextlib
import linecache
import sys
import traceback
import types
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from grader.sandbox.guard import Guard

CELL_PREFIX = "<cell "
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


@dataclass
class StudentModule:
    """The namespace the kept statements run in, registered as module ``student``."""

    guard: Guard
    module: types.ModuleType = field(default_factory=lambda: types.ModuleType("student"))

    def __post_init__(self) -> None:
        self.module.__dict__["get_ipython"] = _NoIPython
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


class _NoIPython:
    """Stand-in for ``get_ipython()`` inside functions: magics do nothing."""

    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None
