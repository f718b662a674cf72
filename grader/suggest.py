"""When a graded name is missing: which definitions of the notebook look like the item.

A student who names the class ``LogisticRegression`` instead of
``MultinomialLogisticRegression`` did the work; the instructor should learn that
from the report and grade it with ``--alias``.  The grader never picks one
silently: it lists candidates, best first, each with where it is.

A candidate is a definition of the same kind (class, function, instance) that is
either named almost like the item, or accepts the template's arguments (an
instance: is built by the same constructor) and is not too generic a match (a
class without arguments must also be named a little like the item).  A catch-all signature
(``(*args)``, ``(*args, **kwargs)``, or a class with no visible ``__init__``) accepts every
template's arguments, so it is no evidence: such a definition is a candidate only by its name
(``CIFAR10Subset(*args, **kwargs)`` is not offered for a missing ``Dropout(p)``).  Names the
assignment grades as other items are never candidates.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from grader.definitions import Definition

#: Names at least this similar (difflib ratio, case ignored) are near misses whatever their signature.
NEAR_MISS = 0.6
#: With a fitting signature, a name this different still counts (``LeNet5`` for ``LeNet``; not ``Lambda``).
FITTING = 0.3
MAX_SUGGESTIONS = 3


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a.lower(), b.lower()).ratio()


def catch_all(definition: Definition) -> bool:
    """Accepts any arguments without naming one: ``(*args)``, ``(*args, **kwargs)``, no visible ``__init__``."""
    return definition.kind != "instance" and definition.open_ended and not definition.parameters


def _fits(candidate: Definition, expected: Definition) -> bool:
    if candidate.kind != expected.kind:
        return False
    if expected.kind == "instance":
        return candidate.made_by == expected.made_by
    if catch_all(candidate):
        return False
    return candidate.accepts(len(expected.parameters)) and candidate.accepts(expected.required)


def candidates(item_name: str, expected: Definition | None, defined: list[Definition],
               excluded: set[str]) -> list[Definition]:
    """Definitions that may be ``item_name`` under another name, most likely first."""
    last = {d.name: d for d in defined}  # the definition in effect after "Run all"
    scored: list[tuple[float, Definition]] = []
    for definition in last.values():
        if definition.name in excluded or definition.name.startswith("_"):
            continue
        close = similarity(definition.name, item_name)
        fits = expected is not None and _fits(definition, expected)
        same_kind = expected is None or definition.kind == expected.kind
        same_parameters = expected is not None and bool(expected.parameters) and definition.parameters == expected.parameters
        specific = fits and (expected.kind == "instance" or close >= FITTING or same_parameters
                             or len(expected.parameters) >= 3)
        if (close >= NEAR_MISS and same_kind) or specific:
            scored.append((close + fits + 0.5 * same_parameters, definition))
    scored.sort(key=lambda pair: (-pair[0], pair[1].cell, pair[1].line))
    return [definition for _, definition in scored[:MAX_SUGGESTIONS]]


def advice(item_name: str, found: list[Definition]) -> str:
    """One sentence for the report ("" when there is nothing to suggest)."""
    if not found:
        return ""
    where = [f"`{d.signature}` in cell {d.cell}" for d in found]
    if len(found) == 1:
        return f"{where[0]} looks like it: grade it with `--alias {item_name}={found[0].name}`"
    return (f"{', '.join(where[:-1])} and {where[-1]} look like it: grade one with "
            f"`--alias {item_name}={found[0].name}`")
