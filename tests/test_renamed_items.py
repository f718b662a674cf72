"""Renamed items: declared aliases are graded and reported, other renames are suggested, never guessed;
a resnet that is not an nn.Sequential loses only the structure check.

The end-to-end cases rename items in the full-marks MNIST example the way real
students did (``LogisticRegression``, a second ``class ConvNet``, ``MyLogReg``).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from grader.assignment import get
from grader.definitions import Definition, definitions
from grader.grade import GradeOptions, grade
from grader.notebook import Cell, Notebook
from grader.suggest import advice, candidates

REPO = Path(__file__).resolve().parents[1]
MNIST_FULL = REPO / "submissions" / "mnist_logreg_cnn_full_marks.ipynb"


def _notebook(*sources: str) -> Notebook:
    return Notebook("x.py", tuple(Cell(i + 1, s, s) for i, s in enumerate(sources)), ())


def test_definitions_read_signatures_without_running_anything() -> None:
    found = definitions(_notebook(
        "class LogisticRegression(nn.Module):\n    def __init__(self, input_size, output_size=10):\n        pass",
        "def train(model, loader, *rest):\n    while True: pass",
        "model = nn.Sequential(nn.Linear(2, 2))\nclass Plain: pass",
        "def broken(:"))
    assert [(d.name, d.kind, d.cell, d.line) for d in found] == [
        ("LogisticRegression", "class", 1, 1), ("train", "function", 2, 1),
        ("model", "instance", 3, 1), ("Plain", "class", 3, 2)]
    logistic, train, model, plain = found
    assert logistic.parameters == ("input_size", "output_size") and logistic.required == 1
    assert logistic.accepts(2) and logistic.accepts(1) and not logistic.accepts(3)
    assert train.accepts(6) and not train.accepts(1)
    assert model.made_by == "nn.Sequential" and model.signature == "model = nn.Sequential(…)"
    assert plain.open_ended and plain.accepts(0)


def _expected(assignment: str, item: str) -> Definition:
    return get(assignment).template_definitions()[item]


@pytest.mark.parametrize("source, suggested", [
    ("class MyLogReg(nn.Module):\n    def __init__(self, input_size, output_size): pass", "MyLogReg"),
    ("class Multinomial_Logistic_Regression(nn.Module):\n    def __init__(self, a, b): pass",
     "Multinomial_Logistic_Regression"),
    ("class multinomiallogisticregression(nn.Module):\n    def __init__(self, a, b): pass",
     "multinomiallogisticregression"),
])
def test_a_renamed_class_is_suggested_with_its_alias(source: str, suggested: str) -> None:
    found = candidates("MultinomialLogisticRegression", _expected("mnist_logreg_cnn", "MultinomialLogisticRegression"),
                       definitions(_notebook("class Helper:\n    def __init__(self, x, y, z): pass", source)),
                       excluded={"train", "validation"})
    assert [d.name for d in found] == [suggested]
    text = advice("MultinomialLogisticRegression", found)
    assert f"in cell 2 looks like it: grade it with `--alias MultinomialLogisticRegression={suggested}`" in text


def test_a_function_with_the_template_parameters_is_suggested_whatever_its_name() -> None:
    found = candidates("backprop_deep", _expected("lenet_mnist", "backprop_deep"), definitions(_notebook(
        "def sgd_loop(xtrain, ltrain, net, T, B=100, gamma=.001, rho=.9):\n    pass",
        "def normalize(x):\n    return x")), excluded=set())
    assert [d.signature for d in found] == ["sgd_loop(xtrain, ltrain, net, T, B, gamma, rho)"]


def test_an_unrelated_definition_is_not_suggested() -> None:
    expected = _expected("mnist_logreg_cnn", "ConvNet2")
    found = candidates("ConvNet2", expected, definitions(_notebook(
        "class Lambda(nn.Module):\n    def __init__(self): pass", "def ConvNet3(): pass",
        "class validation: pass")), excluded={"validation"})
    assert found == []
    assert advice("ConvNet2", found) == ""


def test_an_instance_built_like_the_template_is_suggested() -> None:
    found = candidates("resnet", _expected("resnet_cifar10", "resnet"), definitions(_notebook(
        "model = nn.Sequential(nn.Conv2d(3, 16, 3))", "loader = DataLoader(ds)")), excluded=set())
    assert [d.name for d in found] == ["model"]


@pytest.mark.parametrize("signature", ["*args, **kwargs", "*args", "*rest, idx=None, **kw"])
def test_a_catch_all_signature_is_not_a_signature_match(signature: str) -> None:
    found = candidates("Dropout", _expected("resnet_cifar10", "Dropout"), definitions(_notebook(
        f"class CIFAR10Subset(torchvision.datasets.CIFAR10):\n    def __init__(self, {signature}):\n        pass",
        "def helper(*args, **kwargs):\n    pass")), excluded=set())
    assert found == []
    assert advice("Dropout", found) == ""


def test_a_catch_all_definition_is_still_suggested_by_its_name() -> None:
    found = candidates("Dropout", _expected("resnet_cifar10", "Dropout"), definitions(_notebook(
        "class MyDropout(nn.Module):\n    def __init__(self, *args, **kwargs):\n        pass",
        "class CIFAR10Subset(Dataset):\n    def __init__(self, *args, **kwargs):\n        pass",
        "class Dropper(nn.Module):\n    def __init__(self, p):\n        pass")), excluded=set())
    assert [d.name for d in found] == ["Dropper", "MyDropout"]  # the fitting signature ranks first


# -- end to end -----------------------------------------------------------------------------------

def _renamed(tmp_path: Path, *renames: tuple[str, str]) -> Path:
    nb = nbformat.read(MNIST_FULL, as_version=4)
    for cell in nb.cells:
        for old, new in renames:
            cell.source = cell.source.replace(old, new)
    path = tmp_path / "renamed.ipynb"
    nbformat.write(nb, path)
    return path


def _item(result, name: str):
    return next(item for item in result.items if item.name == name)


@pytest.mark.slow
def test_declared_aliases_are_graded_and_reported(tmp_path: Path) -> None:
    path = _renamed(tmp_path, ("MultinomialLogisticRegression", "LogisticRegression"), ("ConvNet2", "ConvNet"))
    result = grade(path, GradeOptions(items=("MultinomialLogisticRegression", "ConvNet2")))
    for name, alias in (("MultinomialLogisticRegression", "LogisticRegression"), ("ConvNet2", "ConvNet")):
        item = _item(result, name)
        assert item.found_as == alias
        assert item.score == item.max_score > 0, [c.message for c in item.checks if not c.passed]
        assert f"graded `{alias}` as `{name}`" in item.message
    assert dict(result.extraction.aliases) == {"MultinomialLogisticRegression": "LogisticRegression",
                                               "ConvNet2": "ConvNet"}


@pytest.mark.slow
def test_a_course_class_defined_once_is_not_taken_for_the_item(tmp_path: Path) -> None:
    """The notebook gives `ConvNet`; without a second definition it is not the student's ConvNet2."""
    path = _renamed(tmp_path, ("class ConvNet2", "class UnusedName"), ("ConvNet2()", "UnusedName()"))
    result = grade(path, GradeOptions(items=("ConvNet2",)))
    item = _item(result, "ConvNet2")
    assert item.found_as is None and item.score == 0
    assert "`ConvNet2` was not found" in item.message


@pytest.mark.slow
def test_an_undeclared_rename_is_suggested_then_graded_with_alias(tmp_path: Path) -> None:
    path = _renamed(tmp_path, ("MultinomialLogisticRegression", "MyLogReg"))
    alone = grade(path, GradeOptions(items=("MultinomialLogisticRegression",)))
    item = _item(alone, "MultinomialLogisticRegression")
    assert item.found_as is None and item.score == 0
    assert ("`MyLogReg(input_size, output_size)` in cell 22 looks like it: grade it with "
            "`--alias MultinomialLogisticRegression=MyLogReg`") in item.message, item.message

    aliased = grade(path, GradeOptions(items=("MultinomialLogisticRegression",),
                                       aliases=(("MultinomialLogisticRegression", "MyLogReg"),)))
    item = _item(aliased, "MultinomialLogisticRegression")
    assert item.found_as == "MyLogReg" and item.score == item.max_score
    assert "graded `MyLogReg` as `MultinomialLogisticRegression`" in item.message


@pytest.mark.slow
def test_resnet_as_a_custom_module_loses_only_the_sequential_check() -> None:
    path = REPO / "tests" / "catalog" / "resnet_cifar10" / "resnet" / "bad_custom_module_not_sequential.py"
    [item] = grade(path, GradeOptions(assignment="resnet_cifar10", items=("resnet",))).items
    failed = {c.name: c.message for c in item.checks if c.outcome == "failed"}
    assert list(failed) == ["sequential"], failed
    assert "resnet is a `ResNet`, not an `nn.Sequential`" in failed["sequential"]
    assert item.score == item.max_score - 1
