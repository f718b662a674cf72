"""Mutant generation (``grader.mutate.generate`` and ``operators``), for every item, without grading."""

from __future__ import annotations

import ast

import pytest

from grader.assignment import available, get
from grader.mutate.generate import UnknownItem, definitions, generate, item_names, reference_path
from grader.mutate.operators import edits, slots

ITEMS = [(a.name, item) for a in available().values() for item in a.graded_names]


def _top_level(source: str) -> list[str]:
    return [ast.unparse(s) for s in ast.parse(source).body]


@pytest.mark.parametrize(("assignment", "item"), ITEMS, ids=[f"{a}/{i}" for a, i in ITEMS])
def test_every_item_has_single_change_mutants(assignment: str, item: str) -> None:
    chosen = get(assignment)
    reference = reference_path(chosen).read_text()
    mutants = generate(chosen, item)
    assert len(mutants) >= 5
    assert len({m.source for m in mutants}) == len(mutants), "two mutants are the same program"
    assert len({m.id for m in mutants}) == len(mutants)
    original = _top_level(reference)
    names = {ast.unparse(s) for s in definitions(ast.parse(reference), item, set(chosen.graded_names))}
    for mutant in mutants:
        compile(mutant.source, "mutant.py", "exec")
        changed = [a for a, b in zip(original, _top_level(mutant.source), strict=True) if a != b]
        assert len(changed) == 1 and changed[0] in names, f"{mutant.id} does not change one of {item}'s definitions"
        assert mutant.old != mutant.new and mutant.line >= 1
    assert [m.source for m in generate(chosen, item)] == [m.source for m in mutants], "not deterministic"


def test_sampling_is_a_seeded_subset_in_generation_order() -> None:
    chosen = get("resnet_cifar10")
    every = [m.id for m in generate(chosen, "resnet")]
    sample = [m.id for m in generate(chosen, "resnet", max_count=5, seed=1)]
    assert len(sample) == 5 and set(sample) <= set(every)
    assert sample == sorted(sample, key=every.index)
    assert sample == [m.id for m in generate(chosen, "resnet", max_count=5, seed=1)]
    assert sample != [m.id for m in generate(chosen, "resnet", max_count=5, seed=2)]
    assert len(generate(chosen, "Dropout", max_count=1000)) == len(generate(chosen, "Dropout"))


def test_the_changes_the_issue_names_are_made() -> None:
    changes = {(m.old, m.new) for m in generate(get("resnet_cifar10"), "resnet")}
    assert ("nn.Conv2d(3, 16, kernel_size=3, padding=1, bias=False)",
            "nn.Conv2d(3, 16, kernel_size=3, padding=2, bias=False)") in changes
    run_epoch = {(m.old, m.new) for m in generate(get("resnet_cifar10"), "run_epoch")}
    assert ("model.train(train)", "model.eval(train)") in run_epoch
    assert ("with torch.set_grad_enabled(train):", "(removed)") in run_epoch
    validation = {(m.old, m.new) for m in generate(get("mnist_logreg_cnn"), "validation")}
    assert ("torch.no_grad()", "torch.enable_grad()") in validation
    defaults = {m.new for m in generate(get("lenet_mnist"), "backprop_deep") if m.old.startswith("def ")}
    assert "def backprop_deep(xtrain, ltrain, net, T, B=101, gamma=0.001, rho=0.9):" in defaults


def test_an_items_helpers_are_mutated_but_not_other_items() -> None:
    module = ast.parse(reference_path(get("resnet_cifar10")).read_text())
    items = set(get("resnet_cifar10").graded_names)
    assert [getattr(s, "name", "resnet") for s in definitions(module, "resnet", items)] == ["build_resnet", "resnet"]
    assert [getattr(s, "name", "?") for s in definitions(module, "ResidualBlock", items)] == ["Lambda",
                                                                                              "ResidualBlock"]
    assert [getattr(s, "name", "?") for s in definitions(module, "fit", items)] == ["fit"]


def _labels(code: str) -> list[str]:
    tree = ast.parse(code)
    return [e.label for s in slots(tree.body[0]) for e in edits(s)]


def test_operators_offer_each_kind_of_change() -> None:
    labels = _labels("def f(a, b):\n    '''doc'''\n    x = g(a, b, k=1, m=True) + 2\n"
                     "    return not x < 3 and a.mean()")
    assert {"+ → -", "< → <=", "< → >", "and → or", "not removed", ".mean → .sum", "statement removed",
            "positional arguments 1 and 2 swapped", "values of k= and m= swapped", "True → False",
            "2 → 3", "2 → 1", "2 → 4", "2 → 0"} <= set(labels)
    assert labels.count("statement removed") == 2, "the docstring is not a statement to remove"
    assert "statement removed" not in _labels("def f(a):\n    return a\n"), "the only statement of a body stays"


def test_an_unknown_item_is_refused_with_the_list() -> None:
    with pytest.raises(UnknownItem, match="its items: Dropout, BatchNorm"):
        item_names(get("resnet_cifar10"), "Droput")
