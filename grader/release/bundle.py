"""The student bundle of one assignment: template notebook, public checks, self-check entry point.

Layout (``make release ASSIGNMENT=name OUT=dir``)::

    dir/
      <name>.ipynb                  the template, made from assignments/<name>/solution.ipynb
      requirements.txt              the pinned dependencies self-check needs (torch, numpy, ...)
      README.md                     how to run the self-check (terminal, Jupyter cell, Colab)
      selfcheck.py                  ``python selfcheck.py [notebook]``: the one-line entry point
      grader/                       the harness (extraction, sandbox, probes), as in the repository
      assignments/__init__.py
      assignments/<name>/__init__.py   the items (names, kinds, aliases, forbidden calls), generated;
                                       HIDDEN_CHECKS says the grade uses more than the public checks
      assignments/<name>/public.py     the public checks, copied
      assignments/<name>/template.ipynb

Nothing else: no ``reference/``, no hidden check module, no solution.  ``tests/test_release.py``
searches every bundle for reference code and hidden check names and descriptions.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import nbformat

from grader.assignment import Assignment, get
from grader.errors import BadInput
from grader.release.markers import template_notebook

__all__ = ["BUNDLE_REQUIREMENTS", "build_bundle"]

ROOT = Path(__file__).resolve().parents[2]

#: What self-check imports, pinned as in pyproject.toml (nbconvert, pytest and the like are not needed).
BUNDLE_REQUIREMENTS = ("torch", "numpy", "hypothesis", "nbformat", "rich", "jinja2", "tqdm", "matplotlib",
                       "scikit-learn", "ipython", "pyseccomp")
#: Parts of grader/ a student's self-check never runs, left out of the bundle: instructors' tools
#: (mutation testing, the Gradescope zip) and the checks that are hidden by nature (the
#: optional smoke and GPU groups, whose names and descriptions are the instructor's).
LEFT_OUT = {"grader": ("mutate", "gradescope"), "checks": ("smoke.py", "gpu.py")}


def _pins() -> list[str]:
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    by_name = {d.split("==")[0].strip().lower(): d for d in deps}
    pins = [by_name[name] for name in BUNDLE_REQUIREMENTS if name in by_name]
    pins[pins.index(by_name["pyseccomp"])] += " ; sys_platform == 'linux'"
    return pins


def _item_source(assignment: Assignment) -> str:
    rows = []
    for item in assignment.items:
        extras = "".join(f", {field}={getattr(item, field)!r}" for field in
                         ("aliases", "redefined_aliases", "training", "forbidden") if getattr(item, field))
        rows.append(f"        Item({item.name!r}, {item.kind!r}, tuple(CHECKS.get({item.name!r}, ())){extras}),")
    return "\n".join(rows)


def _init_source(assignment: Assignment) -> str:
    return (f'"""{assignment.title}: the public checks only (a student bundle, generated)."""\n\n'
            "from pathlib import Path\n\nfrom grader.assignment import Assignment, Item\n\n"
            "from .public import CHECKS\n\n"
            "#: the grade uses hidden checks too; self-check runs only the public ones\n"
            "HIDDEN_CHECKS = True\n\n"
            f"ASSIGNMENT = Assignment(\n    name={assignment.name!r},\n    title={assignment.title!r},\n"
            f"    items=(\n{_item_source(assignment)}\n    ),\n"
            '    template=Path(__file__).with_name("template.ipynb"),\n)\n')


def _readme(name: str) -> str:
    return textwrap.dedent(f"""\
        # Self-check for {name}

        Work in `{name}.ipynb`, save it, then run the public checks:

            pip install -r requirements.txt      # once (Colab already has torch)
            python selfcheck.py {name}.ipynb

        or from a notebook cell in this folder:

            !python selfcheck.py {name}.ipynb

        or, in the notebook itself (this folder being its working directory):

            from grader.selfcheck import check
            check("{name}.ipynb")

        The self-check runs the assignment's *public* checks only. Your grade also uses hidden
        checks that are not in this folder, so passing every public check does not guarantee full
        marks. It grades the saved file: save the notebook first.

        It runs as an ordinary user (no root needed) on Linux (Colab included), macOS and Windows; a
        machine without Linux namespaces, Landlock, seccomp or cgroups lists the limits it could not
        apply, and the checks still run (macOS and Windows are not tested yet).
        """)


_ENTRY = '''\
"""Self-check entry point: ``python selfcheck.py [NOTEBOOK]`` runs the public checks."""

import sys

from grader.cli import main

if __name__ == "__main__":
    sys.exit(main(["check", *(sys.argv[1:] or ["{notebook}"]), "--assignment", "{name}"]))
'''


def _left_out(folder: str, names: list[str]) -> set[str]:
    """shutil.copytree's ``ignore``: caches, and :data:`LEFT_OUT` in grader/ and grader/checks/."""
    here = Path(folder)
    skipped = {n for n in names if n == "__pycache__" or n.endswith(".pyc")}
    if here == ROOT / "grader":
        skipped.update(LEFT_OUT["grader"])
    elif here == ROOT / "grader" / "checks":
        skipped.update(LEFT_OUT["checks"])
    return skipped


def build_bundle(name: str, out: str | Path) -> Path:
    """Write the bundle of assignment ``name`` into ``out`` (created; refused when not empty)."""
    assignment = get(name)
    if assignment.template is None:
        raise BadInput(f"{name} has no template notebook to release")
    solution = Path(assignment.template).with_name("solution.ipynb")
    if not solution.is_file():
        raise BadInput(f"{name} has no solution notebook ({solution}); write one with ### BEGIN SOLUTION markers")
    public = Path(assignment.template).with_name("public.py")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise BadInput(f"{out} is not empty; choose a new folder for the bundle")
    template = template_notebook(nbformat.read(str(solution), as_version=4))
    package = out / "assignments" / name
    package.mkdir(parents=True)
    shutil.copytree(ROOT / "grader", out / "grader", ignore=_left_out)
    (out / "assignments" / "__init__.py").write_text('"""The assignment of this bundle."""\n', encoding="utf-8")
    (package / "__init__.py").write_text(_init_source(assignment), encoding="utf-8")
    if public.is_file():
        shutil.copyfile(public, package / "public.py")
    else:
        (package / "public.py").write_text("CHECKS: dict = {}\n", encoding="utf-8")
    nbformat.write(template, str(package / "template.ipynb"))
    nbformat.write(template, str(out / f"{name}.ipynb"))
    (out / "requirements.txt").write_text("\n".join(_pins()) + "\n", encoding="utf-8")
    (out / "README.md").write_text(_readme(name), encoding="utf-8")
    (out / "selfcheck.py").write_text(_ENTRY.format(notebook=f"{name}.ipynb", name=name), encoding="utf-8")
    return out
