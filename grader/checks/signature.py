"""Checks that a graded definition keeps the defaults of the signature the template gave.

The notebook's own code calls the definitions with those defaults left out
(``backprop_deep(xtrain, ltrain, net, T=3)``, ``ResidualBlock(16, 16)``), while the property checks
pass every argument, so a changed default shows only here.  The signature comes from the worker as
``str(inspect.signature(...))``: a string from student-controlled code, parsed, never evaluated.
"""

from __future__ import annotations

import ast
import math
from typing import Any, Callable

from grader.checks.core import CheckFailed, ItemContext

MAX_SIGNATURE_CHARS = 2000


def signature_defaults(signature: str) -> dict[str, Any] | None:
    """The defaults of a signature as ``inspect`` writes it, literal ones as values and any other as the
    text of its expression; None when it does not read as a plain signature."""
    if len(signature) > MAX_SIGNATURE_CHARS:
        return None
    try:  # a deeply nested default exhausts the parser's recursion: not a plain signature either
        tree = ast.parse(f"def f{signature}:\n    pass\n")
        function = tree.body[0]
        if not isinstance(function, ast.FunctionDef):
            return None
        args = function.args
        positional = args.posonlyargs + args.args
        named = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
        named += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
        defaults: dict[str, Any] = {}
        for arg, node in named:
            try:
                defaults[arg.arg] = ast.literal_eval(node)
            except (ValueError, TypeError, SyntaxError):
                defaults[arg.arg] = ast.unparse(node)  # an expression: shown as written, never equal to a number
        return defaults
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _same(got: Any, expected: float) -> bool:
    return (not isinstance(got, bool) and isinstance(got, (int, float))
            and math.isclose(got, expected, rel_tol=1e-9, abs_tol=0.0))


def keeps_defaults(defaults: dict[str, float], given: str, relies: str,
                   missing_ok: bool = False) -> Callable[[ItemContext], None]:
    """A check that the graded name's signature has ``defaults`` (numbers); ``given`` is the template's
    signature and ``relies`` the notebook's call that leaves them out, both for the message.  With
    ``missing_ok`` a parameter without a default passes (only the student's own code would leave it out,
    and then it fails at once instead of computing something else)."""

    def check(ctx: ItemContext) -> None:
        info = ctx.request("describe", {"names": [ctx.name]}).get(ctx.name)
        signature = info.get("signature") if isinstance(info, dict) else None
        found = signature_defaults(signature) if isinstance(signature, str) else None
        if found is None:
            raise CheckFailed(f"could not read the signature of `{ctx.name}`: keep the given one, {given}")
        wrong = [f"{name}={found[name]!r}" if name in found else f"{name} has no default"
                 for name, expected in defaults.items()
                 if not _same(found.get(name), expected) and (name in found or not missing_ok)]
        if wrong:
            raise CheckFailed(f"the defaults of the given signature changed ({', '.join(wrong)}): keep {given}; "
                              f"the notebook's own code ({relies}) relies on them",
                              f"your signature: {ctx.name}{signature[:300]}")

    return check
