"""grader.gradescope.bundle: the zip's layout, its pins, its scripts (setup.sh cannot run here: no root, no network)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from grader.errors import UnknownAssignment
from grader.gradescope.bundle import PROJECT_ROOT, UnpinnedDependency, build, pins, source_files

ASSIGNMENTS = ("lenet_mnist", "mnist_logreg_cnn", "resnet_cifar10")


@pytest.fixture(scope="module")
def lenet_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build("lenet_mnist", tmp_path_factory.mktemp("zip"))


def _pyproject_pins() -> dict[str, str]:
    dependencies = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    return dict(d.split("==") for d in dependencies)


def test_scripts_at_the_root_and_only_what_grading_needs(lenet_zip: Path) -> None:
    with zipfile.ZipFile(lenet_zip) as archive:
        infos = {i.filename: i for i in archive.infolist()}
    names = set(infos)
    for script in ("setup.sh", "run_autograder"):
        assert (infos[script].external_attr >> 16) & 0o777 == 0o755, script
    assert {"requirements.txt", "pyproject.toml", "grader/cli.py", "grader/gradescope/run.py",
            "grader/sandbox/executor/zygote.py", "assignments/__init__.py", "assignments/lenet_mnist/__init__.py",
            "assignments/lenet_mnist/template.ipynb", "reference/__init__.py", "reference/lenet_mnist.py"} <= names
    tops = {n.split("/")[0] for n in names}
    assert tops == {"setup.sh", "run_autograder", "requirements.txt", "pyproject.toml", "grader", "assignments",
                    "reference"}
    assert {n.split("/")[1] for n in names if n.startswith("assignments/")} == {"__init__.py", "lenet_mnist"}
    assert {n for n in names if n.startswith("reference/")} == {"reference/__init__.py", "reference/lenet_mnist.py"}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    # every module of the grader package travels (the executor imports some only by name)
    grader_files = {p.relative_to(PROJECT_ROOT).as_posix() for p in (PROJECT_ROOT / "grader").rglob("*.py")
                    if "__pycache__" not in p.parts}
    assert grader_files <= names


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_assignment_takes_its_own_reference_only(assignment: str) -> None:
    files = {p.as_posix() for p in source_files(assignment)}
    assert {f for f in files if f.startswith("reference/")} == {"reference/__init__.py", f"reference/{assignment}.py"}
    assert not [f for f in files if f.startswith("assignments/") and f.count("/") > 1
                and not f.startswith(f"assignments/{assignment}/")]


def test_building_twice_gives_the_same_bytes(lenet_zip: Path, tmp_path: Path) -> None:
    assert build("lenet_mnist", tmp_path).read_bytes() == lenet_zip.read_bytes()


def test_setup_installs_the_versions_pyproject_pins(lenet_zip: Path) -> None:
    expected = _pyproject_pins()
    with zipfile.ZipFile(lenet_zip) as archive:
        requirements = archive.read("requirements.txt").decode()
        setup = archive.read("setup.sh").decode()
    assert dict(line.split("==") for line in requirements.splitlines()) == expected
    pinned_in_setup = dict(re.findall(r'"([A-Za-z0-9_.-]+)==([^"]+)"', setup))
    assert pinned_in_setup == {"torch": expected["torch"], "torchvision": expected["torchvision"]}
    assert "--index-url https://download.pytorch.org/whl/cpu" in setup
    assert '-r "$SOURCE/requirements.txt"' in setup
    assert "libseccomp2" in setup and "python3.11 -m venv" in setup


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_scripts_are_valid_bash(lenet_zip: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(lenet_zip) as archive:
        archive.extractall(tmp_path, members=["setup.sh", "run_autograder"])
    for script in ("setup.sh", "run_autograder"):
        text = (tmp_path / script).read_text()
        assert text.startswith("#!/usr/bin/env bash\n") and "{{" not in text and "{%" not in text
        checked = subprocess.run(["bash", "-n", str(tmp_path / script)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
    # the check can fail: a script with a syntax error is caught
    (tmp_path / "broken").write_text("if true; then\n  echo\n")
    assert subprocess.run(["bash", "-n", str(tmp_path / "broken")], capture_output=True).returncode != 0


def test_an_unpinned_dependency_is_refused(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\ndependencies = ["torch==2.14.1", "numpy>=2"]\n')
    with pytest.raises(UnpinnedDependency, match="'numpy>=2' is not pinned"):
        pins(pyproject)
    pyproject.write_text('[project]\ndependencies = ["torch==2.14.1", "numpy==2.4.6"]\n')
    assert pins(pyproject) == {"torch": "2.14.1", "numpy": "2.4.6"}


def test_an_unknown_assignment_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnknownAssignment, match="available: lenet_mnist, mnist_logreg_cnn, resnet_cifar10"):
        build("resnet", tmp_path)
    assert not list(tmp_path.iterdir())
    done = subprocess.run([sys.executable, "-m", "grader.gradescope", "build", "resnet", "--out", str(tmp_path)],
                          capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert done.returncode == 2
    assert done.stderr.startswith("error: unknown assignment 'resnet'; available:")


def test_reference_modules_are_read_from_every_import_form(tmp_path: Path) -> None:
    from grader.gradescope.bundle import _reference_modules

    (tmp_path / "checks.py").write_text("import reference.alpha\nfrom reference.beta import Net as RefNet\n"
                                        "from reference import gamma\nimport referenced.delta\nimport torch\n")
    assert _reference_modules(tmp_path) == {"alpha", "beta", "gamma"}
