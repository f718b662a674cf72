"""Which name of a submission is graded as which item: resolved once per grading, in one place.

From the notebook's parse (:class:`grader.extract_analysis.ParsedNotebook`) and the
command line this decides, in this order (the first problem found is the one reported):

1. the assignment: ``--assignment`` (refused when the notebook defines none of its items
   but another assignment's), or the one whose items the notebook defines most of; a name
   given with ``--alias ITEM=NAME`` counts as defining ITEM;
2. every ``--alias`` names an item of that assignment;
3. the items graded (``--items``, default all);
4. each item's graded name: its ``--alias``, else its own name when the notebook binds it,
   else a declared alias it binds (``Item.aliases``), else a redefined alias it defines twice
   (``Item.redefined_aliases``), else its own name (reported missing);
5. for an item the extraction does not find: the definitions that look like it
   (:mod:`grader.suggest`), with the ``--alias`` to grade one.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader import assignment as assignments
from grader.assignment import Assignment, Item
from grader.definitions import Definition, definitions
from grader.errors import BadInput
from grader.extract import ParsedNotebook, top_level_names
from grader.suggest import advice, candidates

__all__ = ["GradedNames", "resolve"]


@dataclass(frozen=True)
class GradedNames:
    """The outcome of name resolution for one submission."""

    assignment: Assignment
    items: tuple[Item, ...]  #: the items graded, in the assignment's order
    graded: dict[str, str]  #: item name -> the notebook name graded as that item
    definitions: tuple[Definition, ...]  #: the notebook's top-level definitions (for suggestions)

    @property
    def aliases(self) -> tuple[tuple[str, str], ...]:
        """(item, notebook name) of every item graded under another name."""
        return tuple((item, name) for item, name in self.graded.items() if item != name)

    def hint(self, item: Item) -> str:
        """What to tell the instructor when ``item`` is missing: definitions that look like it ("" if none)."""
        taken = set(self.graded.values()) | set(self.assignment.graded_names)
        expected = self.assignment.template_definitions().get(item.name)
        return advice(item.name, candidates(item.name, expected, list(self.definitions), taken))


def resolve(parsed: ParsedNotebook, assignment: str | None, aliases: tuple[tuple[str, str], ...],
            items: tuple[str, ...], submission: str) -> GradedNames:
    """Resolve the assignment, the items and each item's graded name (raises BadInput and its kin)."""
    defined = set(top_level_names(parsed))
    # an item aliased on the command line (--alias Dropout=MyDropout) is defined when its NAME is
    defined |= {item for item, name in aliases if name in defined}
    if assignment:
        chosen = assignments.get(assignment)
        assignments.check_matches(chosen, defined, submission)
    else:
        chosen = assignments.detect(defined)
    _check_aliases(chosen, aliases)
    selected = _selected_items(chosen, items)
    found = tuple(definitions(parsed))
    graded = _graded_names(selected, defined, dict(aliases), _defined_twice(found))
    return GradedNames(chosen, selected, graded, found)


def _check_aliases(chosen: Assignment, aliases: tuple[tuple[str, str], ...]) -> None:
    unknown = [f"{item}={name}" for item, name in aliases if item not in chosen.graded_names]
    if unknown:
        raise BadInput(f"{chosen.name} has no item to alias in --alias {', '.join(unknown)}; its items are "
                       f"{', '.join(chosen.graded_names)}")


def _selected_items(chosen: Assignment, wanted: tuple[str, ...]) -> tuple[Item, ...]:
    if not wanted:
        return chosen.items
    unknown = sorted(set(wanted) - set(chosen.graded_names))
    if unknown:
        raise BadInput(f"{chosen.name} has no item {', '.join(unknown)}; its items are "
                       f"{', '.join(chosen.graded_names)}")
    return tuple(item for item in chosen.items if item.name in wanted)


def _defined_twice(found: tuple[Definition, ...]) -> set[str]:
    names = [d.name for d in found if d.kind != "instance"]
    return {name for name in names if names.count(name) > 1}


def _graded_names(items: tuple[Item, ...], defined: set[str], explicit: dict[str, str],
                  defined_twice: set[str]) -> dict[str, str]:
    """Item name -> the name to grade: an explicit alias, the name itself, or a declared alias."""
    names = {}
    for item in items:
        if item.name in explicit:
            names[item.name] = explicit[item.name]
        elif item.name in defined:
            names[item.name] = item.name
        else:
            declared = [a for a in item.aliases if a in defined]
            declared += [a for a in item.redefined_aliases if a in defined_twice]
            names[item.name] = declared[0] if declared else item.name
    return names
