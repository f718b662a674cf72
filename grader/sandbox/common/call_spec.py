"""A call of a notebook function, described as plain data: the judge says what to call, the executor
supplies the objects.

Neutral ground: imported by the checks in ``assignments/`` (which build descriptions) and by the
executor's probes (which carry them out), so it imports neither side, nor torch, nor numpy.  The
executor thereby knows no assignment's function names, parameter orders or notebook globals; an
assignment knows no probe internals, only the roles a probe supplies.

Wire form (JSON, inside a request's arguments)::

    {"function": "fit",                                    # the graded name in the submission
     "arguments": [{"role": "model"}, {"role": "loaders", "keys": ["train", "val", "test"]},
                   {"role": "value", "value": 8}],         # positional, in order
     "keyword_arguments": {"patience": {"role": "value", "value": 2}},
     "substitute": {"run_epoch": {"role": "scripted_epoch", "parameters": [...]}}}

* An argument is ``{"role": name, ...options}``: the probe supplies the object the role names
  (each probe lists its roles: a model, a loader, a criterion, ...); the options are plain data
  the probe reads (e.g. the keys of a dict of loaders).  The role ``"value"`` passes its
  ``"value"`` (a JSON number, string, boolean or null) as it is.
* ``substitute`` binds notebook-level names, for the duration of the call only, to objects the
  probe supplies for the given role (e.g. a scripted epoch function standing in for the one
  ``fit`` calls); the names are restored afterwards.

:func:`parse` validates a description against the roles a probe supplies and returns a
:class:`Call`; :meth:`Call.bind` turns it into positional and keyword arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Collection, Mapping

MAX_ARGUMENTS = 32  #: positional or keyword arguments of one call
MAX_OPTION_ITEMS = 64  #: entries of one list option (a parameter list, dict keys)
SCALARS = (type(None), bool, int, float, str)


class CallSpecError(ValueError):
    """A call description that is not well formed, or names a role the probe does not supply."""


@dataclass(frozen=True)
class Argument:
    """One argument: the role of the object the probe supplies, and that role's plain-data options."""

    role: str
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def value(self) -> Any:
        return self.options.get("value")


@dataclass(frozen=True)
class Call:
    """A validated call description (see the module's docstring)."""

    function: str
    arguments: tuple[Argument, ...] = ()
    keyword_arguments: Mapping[str, Argument] = field(default_factory=dict)
    substitute: Mapping[str, Argument] = field(default_factory=dict)

    def bind(self, supply: Callable[[Argument], Any]) -> tuple[list[Any], dict[str, Any]]:
        """The positional and keyword arguments, each role's object from ``supply`` (values as they are)."""
        def one(argument: Argument) -> Any:
            return argument.value if argument.role == "value" else supply(argument)
        return [one(a) for a in self.arguments], {k: one(a) for k, a in self.keyword_arguments.items()}

    def substitutes(self, supply: Callable[[Argument], Any]) -> dict[str, Any]:
        """Each substituted notebook name with the object ``supply`` gives for its role."""
        return {name: (a.value if a.role == "value" else supply(a)) for name, a in self.substitute.items()}

    def text(self) -> str:
        """How the call reads, for messages: ``fit(model, loaders, 8, patience=2)``."""
        def one(argument: Argument) -> str:
            return repr(argument.value) if argument.role == "value" else argument.role
        parts = [one(a) for a in self.arguments] + [f"{k}={one(a)}" for k, a in self.keyword_arguments.items()]
        return f"{self.function}({', '.join(parts)})"


# -- building (judge side) ---------------------------------------------------------------------

def role(name: str, **options: Any) -> dict[str, Any]:
    """An argument the probe supplies: ``role("model")``, ``role("loaders", keys=[...])``."""
    return {"role": name, **options}


def value(v: Any) -> dict[str, Any]:
    """An argument passed as it is (a JSON scalar)."""
    return {"role": "value", "value": v}


def call(function: str, *arguments: dict[str, Any], keyword_arguments: Mapping[str, dict[str, Any]] | None = None,
         substitute: Mapping[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The wire form of a call description, validated here so that a malformed one fails in the judge."""
    spec = {"function": function, "arguments": list(arguments),
            "keyword_arguments": dict(keyword_arguments or {}), "substitute": dict(substitute or {})}
    parse(spec)
    return spec


# -- validating (both sides) -------------------------------------------------------------------

def _name(value: Any, what: str) -> str:
    if type(value) is not str or not value.isidentifier():
        raise CallSpecError(f"{what} must be a Python identifier, not {value!r:.60}")
    return value


def _plain(value: Any, what: str, depth: int = 0) -> Any:
    """A copy of a plain-data option: scalars, short lists of them, or flat objects of them."""
    if type(value) in SCALARS:
        return value
    if depth < 2 and type(value) is list and len(value) <= MAX_OPTION_ITEMS:
        return [_plain(v, what, depth + 1) for v in value]
    if depth < 2 and type(value) is dict and len(value) <= MAX_OPTION_ITEMS:
        return {_name(k, f"a key of {what}"): _plain(v, what, depth + 1) for k, v in value.items()}
    raise CallSpecError(f"{what} must be plain data (scalars, short lists and objects), not {type(value).__name__}")


def _argument(obj: Any, roles: Collection[str] | None, what: str) -> Argument:
    if type(obj) is not dict or type(obj.get("role")) is not str:
        raise CallSpecError(f"{what} must be an object with a \"role\"")
    name = obj["role"]
    if roles is not None and name != "value" and name not in roles:
        raise CallSpecError(f"{what} has the role {name!r:.60}, which this probe does not supply "
                            f"(it supplies {', '.join(sorted(roles))})")
    if name == "value" and type(obj.get("value")) not in SCALARS:
        raise CallSpecError(f"{what} must hold a JSON scalar as its \"value\"")
    options = {_name(k, f"an option of {what}"): _plain(v, f"option {k!r} of {what}")
               for k, v in obj.items() if k != "role"}
    return Argument(name, options)


def _arguments(obj: Any, what: str) -> Any:
    if len(obj) > MAX_ARGUMENTS:
        raise CallSpecError(f"{what}: at most {MAX_ARGUMENTS} entries")
    return obj


def parse(obj: Any, roles: Collection[str] | None = None, substitute_roles: Collection[str] | None = None) -> Call:
    """Validate a call description; ``roles`` are the argument roles the probe supplies and
    ``substitute_roles`` those it supplies for substituted notebook names (None: any, for the judge)."""
    if isinstance(obj, Call):
        return obj
    if type(obj) is not dict:
        raise CallSpecError("a call description must be an object")
    unknown = set(obj) - {"function", "arguments", "keyword_arguments", "substitute"}
    if unknown:
        raise CallSpecError(f"a call description has no field {sorted(unknown)[0]!r:.60}")
    arguments = obj.get("arguments", [])
    keywords = obj.get("keyword_arguments", {})
    substitute = obj.get("substitute", {})
    if type(arguments) is not list or type(keywords) is not dict or type(substitute) is not dict:
        raise CallSpecError("\"arguments\" must be a list, \"keyword_arguments\" and \"substitute\" objects")
    return Call(
        function=_name(obj.get("function"), "the function"),
        arguments=tuple(_argument(a, roles, f"argument {i + 1}")
                        for i, a in enumerate(_arguments(arguments, "arguments"))),
        keyword_arguments={_name(k, "a keyword"): _argument(a, roles, f"keyword argument {k!r}")
                           for k, a in _arguments(keywords, "keyword_arguments").items()},
        substitute={_name(k, "a substituted name"): _argument(a, substitute_roles, f"the substitute for {k!r}")
                    for k, a in _arguments(substitute, "substitute").items()})
