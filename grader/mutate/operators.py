"""The single changes a mutant is made of: each rule looks at one AST node and offers edits.

A rule never edits the node it was shown: it returns :class:`Edit` objects that are applied later
to a copy of the definition, at the same place (:class:`Slot` gives that place).  The order of the
edits is the order of the rules and of each rule's alternatives, so generation is deterministic.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from typing import Callable, Iterator

#: Arithmetic operators and what each becomes (a binary operation or an augmented assignment).
ARITHMETIC: dict[type, tuple[type, ...]] = {
    ast.Add: (ast.Sub,), ast.Sub: (ast.Add,), ast.Mult: (ast.Div,), ast.Div: (ast.Mult, ast.FloorDiv),
    ast.FloorDiv: (ast.Div,), ast.Mod: (ast.FloorDiv,), ast.Pow: (ast.Mult,), ast.MatMult: (ast.Mult,),
}
COMPARISON: dict[type, tuple[type, ...]] = {
    ast.Lt: (ast.LtE, ast.Gt), ast.LtE: (ast.Lt, ast.GtE), ast.Gt: (ast.GtE, ast.Lt), ast.GtE: (ast.Gt, ast.LtE),
    ast.Eq: (ast.NotEq,), ast.NotEq: (ast.Eq,), ast.Is: (ast.IsNot,), ast.IsNot: (ast.Is,),
    ast.In: (ast.NotIn,), ast.NotIn: (ast.In,),
}
BOOLEAN: dict[type, type] = {ast.And: ast.Or, ast.Or: ast.And}
SYMBOLS: dict[type, str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**",
    ast.MatMult: "@", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
    ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in", ast.And: "and", ast.Or: "or",
    ast.Not: "not", ast.USub: "-",
}

#: Names, attributes and string keys swapped with their usual confusion (both directions).
SWAPS: tuple[tuple[str, str], ...] = (
    ("train", "eval"), ("mean", "sum"), ("no_grad", "enable_grad"), ("max", "min"), ("zeros", "ones"),
    ("zeros_like", "ones_like"), ("argmax", "argmin"), ("amax", "amin"), ("max_pool2d", "avg_pool2d"),
    ("MaxPool2d", "AvgPool2d"), ("rand_like", "randn_like"), ("rand", "randn"), ("var", "std"),
    ("relu", "sigmoid"), ("ReLU", "Sigmoid"), ("cross_entropy", "nll_loss"), ("CrossEntropyLoss", "NLLLoss"),
    ("deepcopy", "copy"),
)
#: String constants swapped (the keys of a dict of data loaders).
STRING_SWAPS: dict[str, tuple[str, ...]] = {"train": ("val",), "val": ("train",)}
_SWAP: dict[str, tuple[str, ...]] = {}
for _a, _b in SWAPS:
    _SWAP.setdefault(_a, ())
    _SWAP.setdefault(_b, ())
    _SWAP[_a] += (_b,) if _b not in _SWAP[_a] else ()
    _SWAP[_b] += (_a,) if _a not in _SWAP[_b] else ()

#: AST nodes that are markers, not places: never visited.
_MARKERS = (ast.expr_context, ast.operator, ast.boolop, ast.cmpop, ast.unaryop)


@dataclass(frozen=True)
class Slot:
    """A node and where it hangs: ``parent.field`` (``[index]`` when that field is a list)."""

    node: ast.AST
    parent: ast.AST | None
    field: str | None
    index: int | None
    path: tuple[tuple[str, int | None], ...]  #: from the root: (field, index) steps

    def replace(self, new: ast.AST) -> None:
        assert self.parent is not None and self.field is not None
        if self.index is None:
            setattr(self.parent, self.field, new)
        else:
            getattr(self.parent, self.field)[self.index] = new


@dataclass(frozen=True)
class Edit:
    kind: str  #: operator, constant, statement, arguments or name
    label: str  #: what changes, for the report
    apply: Callable[[Slot], None]  #: edits the tree at this slot of a copy
    removes: bool = False  #: the slot's statement disappears


def slots(root: ast.AST) -> list[Slot]:
    """Every node under ``root`` (itself included) with its place, depth first in field order."""
    found: list[Slot] = []

    def visit(node: ast.AST, parent: ast.AST | None, field: str | None, index: int | None,
              path: tuple[tuple[str, int | None], ...]) -> None:
        found.append(Slot(node, parent, field, index, path))
        for name, value in ast.iter_fields(node):
            children = enumerate(value) if isinstance(value, list) else [(None, value)]
            for i, child in children:
                if isinstance(child, ast.AST) and not isinstance(child, _MARKERS):
                    visit(child, node, name, i, (*path, (name, i)))

    visit(root, None, None, None, ())
    return found


def at(root: ast.AST, path: tuple[tuple[str, int | None], ...]) -> ast.AST:
    node = root
    for field, index in path:
        node = getattr(node, field) if index is None else getattr(node, field)[index]
    return node


def edits(slot: Slot) -> Iterator[Edit]:
    """Every single change this node offers, in a fixed order."""
    node = slot.node
    if isinstance(node, (ast.BinOp, ast.AugAssign)):
        for new in ARITHMETIC.get(type(node.op), ()):
            yield Edit("operator", f"{SYMBOLS[type(node.op)]} → {SYMBOLS[new]}", _set_attr("op", new()))
    elif isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            for new in COMPARISON.get(type(op), ()):
                yield Edit("operator", f"{SYMBOLS[type(op)]} → {SYMBOLS[new]}", _set_compare(i, new))
    elif isinstance(node, ast.BoolOp):
        new = BOOLEAN[type(node.op)]
        yield Edit("operator", f"{SYMBOLS[type(node.op)]} → {SYMBOLS[new]}", _set_attr("op", new()))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
        yield Edit("operator", f"{SYMBOLS[type(node.op)]} removed", lambda s: s.replace(s.node.operand))
    elif isinstance(node, ast.Constant):
        yield from _constant_edits(slot)
    elif isinstance(node, ast.Call):
        yield from _argument_edits(node)
    if isinstance(node, ast.Name) and node.id in _SWAP:
        for new in _SWAP[node.id]:
            yield Edit("name", f"{node.id} → {new}", _set_attr("id", new))
    elif isinstance(node, ast.Attribute) and node.attr in _SWAP:
        for new in _SWAP[node.attr]:
            yield Edit("name", f".{node.attr} → .{new}", _set_attr("attr", new))
    if isinstance(node, ast.stmt) and _removable(slot):
        yield Edit("statement", "statement removed", _remove, removes=True)


def _constant_edits(slot: Slot) -> Iterator[Edit]:
    value = slot.node.value
    if isinstance(value, bool):
        yield Edit("constant", f"{value} → {not value}", _set_attr("value", not value))
    elif isinstance(value, (int, float)):
        seen = {repr(value)}
        for new in (value + 1, value - 1, value * 2, type(value)(0)):
            if repr(new) not in seen:
                seen.add(repr(new))
                yield Edit("constant", f"{value!r} → {new!r}", _set_attr("value", new))
    elif isinstance(value, str) and value in STRING_SWAPS and not _is_docstring(slot):
        for new in STRING_SWAPS[value]:
            yield Edit("constant", f"{value!r} → {new!r}", _set_attr("value", new))


def _argument_edits(call: ast.Call) -> Iterator[Edit]:
    args = call.args
    for i in range(len(args) - 1):  # neighbours only: all pairs of a long nn.Sequential would be dozens
        j = i + 1
        if isinstance(args[i], ast.Starred) or isinstance(args[j], ast.Starred):
            continue
        if ast.unparse(args[i]) != ast.unparse(args[j]):
            yield Edit("arguments", f"positional arguments {i + 1} and {j + 1} swapped", _swap_args(i, j))
    keywords = call.keywords
    for i in range(len(keywords)):
        for j in range(i + 1, len(keywords)):
            a, b = keywords[i], keywords[j]
            if a.arg is None or b.arg is None or ast.unparse(a.value) == ast.unparse(b.value):
                continue
            yield Edit("arguments", f"values of {a.arg}= and {b.arg}= swapped", _swap_keywords(i, j))


def _removable(slot: Slot) -> bool:
    if slot.parent is None or slot.index is None:
        return False
    body = getattr(slot.parent, slot.field or "")
    return isinstance(body, list) and len(body) > 1 and not _is_docstring_statement(slot.node, slot.index)


def _is_docstring_statement(node: ast.AST, index: int) -> bool:
    return (index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str))


def _is_docstring(slot: Slot) -> bool:
    return isinstance(slot.parent, ast.Expr)


def _set_attr(name: str, value: object) -> Callable[[Slot], None]:
    def apply(slot: Slot) -> None:
        setattr(slot.node, name, value)
    return apply


def _set_compare(index: int, new: type) -> Callable[[Slot], None]:
    def apply(slot: Slot) -> None:
        slot.node.ops = [*slot.node.ops[:index], new(), *slot.node.ops[index + 1:]]
    return apply


def _swap_args(i: int, j: int) -> Callable[[Slot], None]:
    def apply(slot: Slot) -> None:
        args = slot.node.args
        args[i], args[j] = args[j], args[i]
    return apply


def _swap_keywords(i: int, j: int) -> Callable[[Slot], None]:
    def apply(slot: Slot) -> None:
        kws = slot.node.keywords
        kws[i].value, kws[j].value = copy.deepcopy(kws[j].value), copy.deepcopy(kws[i].value)
    return apply


def _remove(slot: Slot) -> None:
    assert slot.parent is not None and slot.field is not None and slot.index is not None
    del getattr(slot.parent, slot.field)[slot.index]
