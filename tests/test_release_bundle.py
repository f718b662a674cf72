"""Release bundles: built for every assignment, searched for anything hidden, and self-checked in a fresh
virtual environment that has the bundle's dependencies but not this repository's packages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import time
import venv
from pathlib import Path

import nbformat
import pytest

from grader import assignment as assignments
from grader.release.bundle import BUNDLE_REQUIREMENTS, LEFT_OUT, build_bundle
from grader.sandbox.common import features

ROOT = Path(__file__).resolve().parents[1]
NAMES = sorted(assignments.available())


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("release")
    return {name: build_bundle(name, out / name) for name in NAMES}


def _text_files(folder: Path) -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*")) if p.is_file()}


def _course(name: str) -> str:
    """The text of the course's own template notebook: handed out anyway, so never a leak."""
    return "\n".join(c.source for c in nbformat.read(str(ROOT / "assignments" / name / "template.ipynb"),
                                                     as_version=4).cells)


def _reference_lines(name: str) -> set[str]:
    """Distinctive code lines of reference/<name>.py: not comments or docstring text, and not given code
    the course's template hands out anyway."""
    course = _course(name)
    lines = set()
    for line in (ROOT / "reference" / f"{name}.py").read_text(encoding="utf-8").splitlines():
        code = line.split("  #")[0].strip()
        if len(code) >= 20 and not code.startswith(("#", '"', "'")) and code not in course and (
                "=" in code or "return" in code or "(" in code):
            lines.add(code)
    return lines


def _hidden(name: str) -> tuple[set[str], set[str]]:
    chosen = assignments.get(name)
    public = {c.name for item in assignments.public_items(chosen.items, chosen) for c in item.checks}
    checks = [c for item in chosen.items for c in item.checks if c.name not in public]
    return {c.name for c in checks}, {c.description for c in checks}


#: keys of the probe protocol in the harness (grader/sandbox/probes) that a hidden check happens to share
#: its name with; in grader/ they name data the worker returns, not a check.  (Plain words such as
#: "parameters" are not searched in grader/ at all: the harness is the repository's, file for file.)
HARNESS_WORDS = {"output_shape"}


def _leaks(name: str, files: dict[Path, str], bundle: Path) -> list[str]:
    names, descriptions = _hidden(name)
    course = _course(name)
    found = []
    for path, text in files.items():
        where = path.relative_to(bundle)
        harness = where.parts[0] == "grader"
        searched = {n for n in names - HARNESS_WORDS if "_" in n} if harness else names
        found += [f"{where}: reference line {line!r}" for line in _reference_lines(name) if line in text]
        found += [f"{where}: hidden description {d!r}" for d in descriptions if d in text]
        for n in searched:
            quoted = re.search(rf"[\"']{re.escape(n)}[\"']", text)
            # names with an underscore are identifiers; plain words ("loss") and the course's own words
            # (torch's "no_grad" in its template) only count quoted
            word = ("_" in n and where.parts[0] != "grader" and not re.search(rf"\b{re.escape(n)}\b", course)
                    and re.search(rf"\b{re.escape(n)}\b", text))
            if quoted or word:
                found.append(f"{where}: hidden check name {n!r}")
    return found


@pytest.mark.parametrize("name", NAMES)
def test_bundle_holds_no_reference_and_no_hidden_check(bundles: dict[str, Path], name: str) -> None:
    bundle = bundles[name]
    files = _text_files(bundle)
    top = {p.relative_to(bundle).parts[0] for p in files}
    assert top == {"README.md", "requirements.txt", "selfcheck.py", f"{name}.ipynb", "grader", "assignments"}
    assert sorted(p.name for p in (bundle / "assignments" / name).iterdir()) == [
        "__init__.py", "public.py", "template.ipynb"]
    assert not _leaks(name, files, bundle)
    # the harness is the repository's, file for file, less the instructors' tools and the hidden-by-nature
    # check groups: nothing assignment-specific rides along in it
    shipped = {p.relative_to(bundle / "grader") for p in (bundle / "grader").rglob("*.py")}
    left_out = {*LEFT_OUT["grader"], *(f"checks/{n}" for n in LEFT_OUT["checks"])}
    expected = {p.relative_to(ROOT / "grader") for p in (ROOT / "grader").rglob("*.py")}
    assert shipped == {p for p in expected if not any(str(p) == x or str(p).startswith(x + "/") for x in left_out)}
    assert not any(str(p).startswith(("mutate/", "gradescope/")) for p in shipped)


def test_the_leak_search_finds_a_leak(bundles: dict[str, Path], tmp_path: Path) -> None:
    """The search above is not vacuous: a hidden check module or a reference file copied in is found."""
    name = "resnet_cifar10"
    files = {tmp_path / "assignments" / "dropout.py": (ROOT / "assignments" / name / "dropout.py").read_text(),
             tmp_path / "ref.py": (ROOT / "reference" / f"{name}.py").read_text()}
    found = _leaks(name, files, tmp_path)
    assert any("hidden check name 'independent_mask'" in f for f in found)
    assert any(f.startswith("ref.py: reference line") for f in found)


def test_requirements_are_pinned() -> None:
    assert len(BUNDLE_REQUIREMENTS) >= 5


# -- a fresh virtual environment ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def fresh_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv that sees the installed dependencies (torch...) through a .pth line, not this repository:
    the editable install's finder lives in a .pth file that a plain path line does not run."""
    home = tmp_path_factory.mktemp("fresh")
    venv.EnvBuilder(with_pip=False).create(home)
    python = home / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "bundle_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return python


def _run(python: Path, args: list[str], cwd: Path,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd), "COLUMNS": "200"}
    return subprocess.run([str(python), *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**base, **(env or {})})


def test_fresh_venv_has_the_dependencies_but_not_the_repository(fresh_python: Path, tmp_path: Path) -> None:
    modules = ["torch", "numpy", "hypothesis", "nbformat", "rich"]
    assert _run(fresh_python, ["-c", f"import {', '.join(modules)}"], tmp_path).returncode == 0
    for package in ("grader", "assignments", "reference"):
        result = _run(fresh_python, ["-c", f"import {package}"], tmp_path)
        assert result.returncode == 1 and "ModuleNotFoundError" in result.stderr, package


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_template_scores_zero_and_solution_passes_every_public_check(
        bundles: dict[str, Path], fresh_python: Path, name: str, tmp_path: Path) -> None:
    bundle = bundles[name]
    chosen = assignments.get(name)
    public = assignments.public_items(chosen.items, chosen)
    total = sum(len(item.checks) for item in public)
    started = time.perf_counter()
    template = _run(fresh_python, ["selfcheck.py"], bundle)
    seconds = time.perf_counter() - started
    assert template.returncode == 0, template.stderr
    assert f"public checks: 0/{total} passed — your grade also uses hidden checks that are not run here" \
        in template.stdout
    for item in chosen.items:
        assert f"not implemented yet: `{item.name}`" in template.stdout, item.name
    assert "Traceback" not in template.stdout + template.stderr

    solution = tmp_path / "mine.ipynb"
    solution.write_bytes((ROOT / "assignments" / name / "solution.ipynb").read_bytes())
    # as on a machine without namespaces, Landlock, seccomp or cgroups (Colab without root, a laptop)
    degraded = {features.ENV: ",".join(features.FEATURES)} if name == "lenet_mnist" else {}
    passed = _run(fresh_python, ["selfcheck.py", str(solution)], bundle, degraded)
    assert passed.returncode == 0, passed.stderr
    assert f"public checks: {total}/{total} passed — your grade also uses hidden checks" in passed.stdout
    assert "not implemented yet" not in passed.stdout
    if degraded:
        for what in ("namespaces", "Landlock", "seccomp", "cgroup"):
            assert what in passed.stdout.split("Limits not applied")[1], what
    names, descriptions = _hidden(name)
    for output in (template.stdout + template.stderr, passed.stdout + passed.stderr):
        assert not any(d in output for d in descriptions)
        assert not any(re.search(rf"\b{re.escape(n)}\b", output) for n in names if "_" in n)
    print(f"{name}: template self-check {seconds:.1f} s")  # shown with -s; the README quotes the figures


@pytest.mark.slow
def test_a_started_item_that_still_raises_is_not_implemented_yet(bundles: dict[str, Path], fresh_python: Path,
                                                                 tmp_path: Path) -> None:
    """An item changed from the template but still raising its stub's NotImplementedError runs, and reads
    "not implemented yet" (no traceback per check)."""
    bundle = bundles["lenet_mnist"]
    notebook = nbformat.read(str(bundle / "lenet_mnist.ipynb"), as_version=4)
    cell = next(c for c in notebook.cells if "class LeNet" in c.source)
    cell.source = cell.source.replace("        # TODO: your code here\n        raise NotImplementedError()",
                                      "        super().__init__()\n        raise NotImplementedError()", 1)
    assert "super().__init__()" in cell.source
    started = tmp_path / "started.ipynb"
    nbformat.write(notebook, str(started))
    result = _run(fresh_python, ["selfcheck.py", str(started)], bundle)
    assert result.returncode == 0, result.stderr
    assert "not implemented yet: `LeNet` still raises NotImplementedError" in result.stdout
    assert "public checks: 0/2 passed" in result.stdout and "Traceback" not in result.stdout
