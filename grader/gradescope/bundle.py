"""Build the zip Gradescope takes as a programming assignment's autograder.

Gradescope's specification (https://gradescope-autograders.readthedocs.io/en/latest/specs/): the
zip's root holds ``setup.sh`` (run once, as root, while the Ubuntu image is built) and
``run_autograder`` (run for every submission); the zip is unpacked in ``/autograder/source``.
Next to them go what grading needs and nothing else: the ``grader`` package, the one assignment's
checks and the reference modules they import (the autograder is instructor-side), ``pyproject.toml``
and a ``requirements.txt`` with its exact pins.  No tests, no example submissions, no other
assignment.  Entries are sorted and dated 1980-01-01, so building twice gives the same bytes.
"""

from __future__ import annotations

import ast
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from grader.assignment import get as get_assignment
from grader.errors import BadInput, UnknownAssignment

#: The project root: grader/gradescope/bundle.py -> the folder holding grader/, assignments/, reference/.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: Where ``setup.sh`` puts the grader's virtual environment in the image (outside /autograder/source,
#: which Gradescope refills from the zip).
VENV = "/opt/grader-venv"
#: PyTorch's index of CPU-only wheels: Gradescope has no GPU, and the PyPI wheels for Linux pull
#: in gigabytes of CUDA libraries.
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
#: The Python the grader is tested with (pyproject's ``requires-python`` floor).
PYTHON_VERSION = "3.11"
_SKIPPED = ("__pycache__",)
_EPOCH = (1980, 1, 1, 0, 0, 0)


class UnpinnedDependency(BadInput):
    """pyproject.toml lists a dependency without an exact ``==`` version. Pin it."""


@dataclass(frozen=True)
class Entry:
    name: str  #: path inside the zip
    data: bytes
    executable: bool = False


def pins(pyproject: Path = PROJECT_ROOT / "pyproject.toml") -> dict[str, str]:
    """``{package: version}`` of pyproject's runtime dependencies, each of which must be pinned with ``==``."""
    dependencies = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    found = {}
    for requirement in dependencies:
        name, sep, version = requirement.partition("==")
        if not sep or not version.strip() or any(c in version for c in "<>=!~,;* "):
            raise UnpinnedDependency(f"{pyproject}: {requirement!r} is not pinned to one version (write name==X.Y.Z); "
                                     "the Gradescope image must install exactly what the tests ran with")
        found[name.strip()] = version.strip()
    return found


def _package_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and not any(part in _SKIPPED for part in p.parts) and p.suffix != ".pyc")


def _reference_modules(assignment_folder: Path) -> set[str]:
    """The ``reference.<module>`` names the assignment's checks import (read from the source, not guessed)."""
    found = set()
    for path in assignment_folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module == "reference":  # from reference import x
                found.update(a.name for a in node.names)
                continue
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            found.update(n.split(".")[1] for n in names if n.startswith("reference."))
    return found


def source_files(assignment: str, root: Path = PROJECT_ROOT) -> list[Path]:
    """The project files the autograder needs for ``assignment``, relative to ``root``."""
    folder = root / "assignments" / assignment
    files = [*_package_files(root / "grader"), root / "assignments" / "__init__.py", *_package_files(folder),
             root / "reference" / "__init__.py", root / "pyproject.toml"]
    files += [root / "reference" / f"{module}.py" for module in sorted(_reference_modules(folder))]
    return sorted(p.relative_to(root) for p in files)


def _templates() -> Environment:
    return Environment(loader=PackageLoader("grader.gradescope", "templates"), undefined=StrictUndefined,
                       keep_trailing_newline=True, autoescape=False)


def entries(assignment: str, root: Path = PROJECT_ROOT) -> list[Entry]:
    """Everything the zip holds, in order."""
    folders = sorted(p.parent.name for p in (root / "assignments").glob("*/__init__.py"))
    if assignment not in folders:  # refused before importing any assignment (and torch with it)
        raise UnknownAssignment(f"unknown assignment {assignment!r}; available: {', '.join(folders)}")
    get_assignment(assignment)  # it must also load as an assignment
    versions = pins(root / "pyproject.toml")
    context = {"assignment": assignment, "venv": VENV, "torch_index": TORCH_CPU_INDEX,
               "python_version": PYTHON_VERSION, "torch": versions["torch"],
               "torchvision": versions["torchvision"]}
    env = _templates()
    scripts = [Entry("setup.sh", env.get_template("setup.sh.j2").render(context).encode(), executable=True),
               Entry("run_autograder", env.get_template("run_autograder.j2").render(context).encode(),
                     executable=True),
               Entry("requirements.txt", "".join(f"{n}=={v}\n" for n, v in versions.items()).encode())]
    project = [Entry(p.as_posix(), (root / p).read_bytes()) for p in source_files(assignment, root)]
    return sorted(scripts + project, key=lambda e: e.name)


def build(assignment: str, out_dir: str | Path, root: Path = PROJECT_ROOT) -> Path:
    """Write ``<out_dir>/<assignment>-gradescope.zip`` and return its path."""
    content = entries(assignment, root)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{assignment}-gradescope.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in content:
            info = zipfile.ZipInfo(entry.name, date_time=_EPOCH)
            info.external_attr = (0o100755 if entry.executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entry.data)
    return target
