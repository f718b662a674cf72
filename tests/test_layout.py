"""The layout shows the process boundary (grader/sandbox/__init__.py has the map).

The judge (every module of ``grader/`` outside the executor-side packages, and every assignment)
imports nothing that runs in the executor: what both sides need lives in ``grader/sandbox/common``.
The executor side (``grader/sandbox/executor``, ``grader/sandbox/probes``) imports nothing that holds
an assignment's specifics, the reference or a verdict, directly or through another grader module.
Checked on the source with ``ast``: no module is imported to check it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
EXECUTOR_SIDE = ("grader.sandbox.executor", "grader.sandbox.probes")
#: What the executor side must never import: the reference, the assignments and the judge's verdicts.
JUDGE_ONLY = ("reference", "assignments", "grader.checks", "grader.report", "grader.grade")
#: The only places the judge names an executor-side module, as a string for ``python -m``: the zygote
#: (and ``importlib`` in the forked child, which becomes the zygote), and the spawned executor.
NAMED_NOT_IMPORTED = {("grader/sandbox/judge/launcher.py", "grader.sandbox.executor.zygote"),
                      ("grader/sandbox/judge/spawner.py", "grader.sandbox.executor.spawned")}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(*tops: str) -> dict[str, Path]:
    return {_module_name(p): p for top in tops for p in sorted((ROOT / top).rglob("*.py"))
            if "__pycache__" not in p.parts}


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == package or name.startswith(package + ".") for package in packages)


def _imports(path: Path) -> set[str]:
    """Every module an import statement of ``path`` names (``from a import b`` names ``a`` and ``a.b``)."""
    tree = ast.parse(path.read_text(), str(path))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _named_strings(path: Path) -> set[str]:
    """String constants that name an executor-side module (for ``python -m`` or ``importlib``)."""
    tree = ast.parse(path.read_text(), str(path))
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _within(node.value, EXECUTOR_SIDE)}


GRADER_MODULES = _modules("grader")
JUDGE_MODULES = {name: path for name, path in _modules("grader", "assignments").items()
                 if not _within(name, EXECUTOR_SIDE)}
EXECUTOR_MODULES = {name: path for name, path in GRADER_MODULES.items() if _within(name, EXECUTOR_SIDE)}


def test_the_layout_is_found() -> None:
    assert {"grader.sandbox.judge.client", "grader.sandbox.common.protocol", "grader.grade",
            "assignments.resnet_cifar10.fit"} <= set(JUDGE_MODULES)
    assert {"grader.sandbox.executor.zygote", "grader.sandbox.executor.server",
            "grader.sandbox.probes.registry"} <= set(EXECUTOR_MODULES)


@pytest.mark.parametrize("name", sorted(JUDGE_MODULES))
def test_the_judge_imports_nothing_that_runs_in_the_executor(name: str) -> None:
    path = JUDGE_MODULES[name]
    assert not [m for m in _imports(path) if _within(m, EXECUTOR_SIDE)]
    relative = str(path.relative_to(ROOT))
    assert {(relative, s) for s in _named_strings(path)} <= NAMED_NOT_IMPORTED


def test_the_judge_names_the_zygote_module_that_exists() -> None:
    for _, module in NAMED_NOT_IMPORTED:
        assert module in EXECUTOR_MODULES


def test_the_neutral_package_imports_neither_side() -> None:
    for name, path in _modules("grader/sandbox/common").items():
        either_side = EXECUTOR_SIDE + ("grader.sandbox.judge",) + JUDGE_ONLY
        assert not [m for m in _imports(path) if _within(m, either_side)], name


def _grader_closure(start: str) -> dict[str, str]:
    """Every grader module ``start`` reaches through imports, each with the module that imported it first."""
    known = GRADER_MODULES
    seen = {start: start}
    todo = [start]
    while todo:
        current = todo.pop()
        for imported in _imports(known[current]):
            if imported in known and imported not in seen:
                seen[imported] = current
                todo.append(imported)
    return seen


@pytest.mark.parametrize("name", sorted(EXECUTOR_MODULES))
def test_the_executor_side_imports_no_assignment_reference_or_verdict(name: str) -> None:
    direct = [m for m in _imports(EXECUTOR_MODULES[name]) if _within(m, JUDGE_ONLY + ("grader.sandbox.judge",))]
    assert not direct
    reached = _grader_closure(name)
    through = {m: via for m, via in reached.items() if _within(m, JUDGE_ONLY + ("grader.sandbox.judge",))}
    assert not through, f"reached through imports (module: imported by): {through}"
    for module in reached:  # nor through the grader modules it reaches
        assert not [m for m in _imports(GRADER_MODULES[module]) if _within(m, ("reference", "assignments"))], module
