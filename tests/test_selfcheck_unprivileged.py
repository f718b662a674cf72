"""The self-check as students run it: an ordinary user (uid 65534; Colab's and a laptop's Linux without
root), from a release bundle, in a terminal and in a notebook cell, with user namespaces allowed,
switched off, and refused by the kernel.  Also ``check()``, the notebook-cell call, without a worker.

The runs as uid 65534 need root (to switch to it) and ``setpriv``; they skip, saying so, without them.
The bundle is self-checked by a fresh virtual environment that sees the installed dependencies but not
this repository (as in test_release_bundle.py), from the bundle folder as working directory: that is
how ``grader`` is found, as in a notebook opened there.  When uid 65534 cannot reach the base interpreter
(a pyenv Python under a private /root), each run gets a private mount namespace where a tmpfs replaces
the blocking folder and holds only the interpreter's prefix: nothing on the machine changes.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
import venv
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import nbformat
import pytest

from grader.release.bundle import build_bundle
from grader.sandbox.common import features
from grader.selfcheck import check

ROOT = Path(__file__).resolve().parents[1]
NAME = "lenet_mnist"
NOBODY = 65534
SETPRIV = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]

#: Runs ``argv[1:]`` as uid/gid 65534 inside a new user namespace (0 and 65534 mapped to themselves) whose
#: ``user.max_user_namespaces`` is 0: the executor's own unshare(CLONE_NEWUSER) then fails with ENOSPC, as on
#: a machine with user namespaces off; nothing outside that namespace changes.  Run as root, with ``-I``.
NO_USER_NAMESPACES = r"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
go_r, go_w = os.pipe(); ready_r, ready_w = os.pipe()
pid = os.fork()
if pid == 0:
    if libc.unshare(0x10000000) != 0:  # CLONE_NEWUSER
        os.write(ready_w, b"!"); os._exit(97)
    os.write(ready_w, b"x"); os.read(go_r, 1)
    try:
        with open("/proc/sys/user/max_user_namespaces", "w") as f:
            f.write("0")
        os.setgroups([]); os.setresgid(65534, 65534, 65534); os.setresuid(65534, 65534, 65534)
    except OSError as exc:
        print(f"cannot refuse user namespaces here: {exc}", file=sys.stderr); os._exit(97)
    os.execvp(sys.argv[1], sys.argv[1:])
if os.read(ready_r, 1) == b"x":
    for name in ("uid_map", "gid_map"):
        with open(f"/proc/{pid}/{name}", "w") as f:
            f.write("0 0 1\n65534 65534 1\n")
os.write(go_w, b"x")
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
"""

#: In a private mount namespace: keep the interpreter's prefix ($2) aside ($3), lay a tmpfs over the folder
#: uid 65534 may not enter ($1), put the prefix back at its path, then run the rest.
REACHABLE_PREFIX = ('b=$1 p=$2 s=$3; shift 3; mount --bind "$p" "$s" && mount -t tmpfs -o mode=755 none "$b" '
                    '&& mkdir -p "$p" && mount --bind "$s" "$p" && exec "$@"')

needs_root = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                                reason="switching to uid 65534 needs root and setpriv (util-linux): "
                                       "run the suite as root to self-check as an ordinary user")


@dataclass(frozen=True)
class Student:
    top: Path  #: everything below is world-readable (pytest's own temporary folders are 0700)
    bundle: Path
    python: Path  #: a fresh venv: the dependencies, not this repository
    home: Path  #: world-writable, as a temporary HOME
    solution: Path  #: the instructor's solution, saved as the student's notebook
    wrap: tuple[str, ...]  #: what makes the interpreter reachable (a private mount namespace), or nothing

    def env(self, **extra: str) -> dict[str, str]:
        path = f"{self.python.parent}:{os.environ.get('PATH', '/usr/bin:/bin')}"
        return {"PATH": path, "HOME": str(self.home), "COLUMNS": "200", **extra}

    def run(self, args: list[str], *, as_user: list[str] | None = None, cwd: Path | None = None,
            **env: str) -> subprocess.CompletedProcess[str]:
        """``python args`` as uid 65534 (``as_user``: how to become it), in the bundle folder by default."""
        return subprocess.run([*self.wrap, *(as_user or SETPRIV), str(self.python), *args],
                              cwd=cwd or self.bundle, env=self.env(**env), capture_output=True, text=True,
                              timeout=240)


def _blocking_folder(path: Path) -> Path | None:
    """The outermost folder above ``path`` that others may not enter, if any."""
    for folder in reversed(path.parents):
        if not folder.stat().st_mode & stat.S_IXOTH:
            return folder
    return None


@pytest.fixture(scope="module")
def student() -> Iterator[Student]:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv")
    top = Path(tempfile.mkdtemp(prefix="grader-nonroot-"))
    try:
        top.chmod(0o755)
        bundle = build_bundle(NAME, top / "bundle")
        home = top / "home"
        home.mkdir()
        home.chmod(0o1777)
        solution = home / "mine.ipynb"
        shutil.copyfile(ROOT / "assignments" / NAME / "solution.ipynb", solution)
        solution.chmod(0o644)
        venv.EnvBuilder(with_pip=False).create(top / "venv")
        python = top / "venv" / "bin" / "python"
        site = next((top / "venv" / "lib").glob("python3*/site-packages"))
        (site / "bundle_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
        prefix = Path(sys.base_prefix).resolve()
        blocked = _blocking_folder(prefix / "bin")
        wrap: tuple[str, ...] = ()
        if blocked is not None:
            if shutil.which("unshare") is None:
                pytest.skip(f"uid {NOBODY} cannot enter {blocked} (the interpreter's) and unshare is missing")
            (top / "stash").mkdir()
            wrap = ("unshare", "--mount", "--propagation", "private", "sh", "-c", REACHABLE_PREFIX, "sh",
                    str(blocked), str(prefix), str(top / "stash"))
        probe = subprocess.run([*wrap, *SETPRIV, str(python), "-c", "pass"], capture_output=True,
                               text=True, timeout=120, cwd=top)
        if probe.returncode != 0:
            pytest.skip(f"uid {NOBODY} cannot run this Python here: {probe.stderr.strip()[-300:]}")
        yield Student(top, bundle, python, home, solution, wrap)
    finally:
        shutil.rmtree(top, ignore_errors=True)


def _limits_not_applied(stdout: str) -> str:
    assert "Limits not applied on this machine (the checks still ran):" in stdout, stdout
    return stdout.split("Limits not applied on this machine")[1].split("public checks:")[0]


def _passes_every_public_check(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    assert "public checks: 2/2 passed — your grade also uses hidden checks that are not run here" in result.stdout
    assert "not implemented yet" not in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


# -- as uid 65534 -----------------------------------------------------------------------------------

@needs_root
def test_the_student_is_uid_65534_and_sees_the_bundle_not_the_repository(student: Student) -> None:
    result = student.run(["-c", "import os, importlib.util as u, grader; "
                                "print(os.getuid(), os.getgid(), os.access('.', os.W_OK), grader.__file__, "
                                "[n for n in ('reference', 'tests') if u.find_spec(n)])"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(NOBODY), str(NOBODY), "False", str(student.bundle / "grader" / "__init__.py"),
                                     "[]"]


@needs_root
def test_the_template_reads_not_implemented_yet(student: Student) -> None:
    result = student.run(["selfcheck.py"])
    assert result.returncode == 0, result.stderr
    assert "public checks: 0/2 passed — your grade also uses hidden checks that are not run here; " \
           "not implemented yet: LeNet, backprop_deep" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr and not result.stderr


@pytest.mark.slow
@needs_root
def test_the_solution_passes_and_the_missing_limits_are_listed(student: Student) -> None:
    """What this machine allows an ordinary user; HOME is nobody's own (/nonexistent), and the run leaves
    nothing in its temporary folder."""
    tmp = student.home / "tmp-machine"
    tmp.mkdir(mode=0o777)
    tmp.chmod(0o777)
    result = student.run(["-m", "grader", "check", str(student.solution)], HOME="/nonexistent", TMPDIR=str(tmp))
    _passes_every_public_check(result)
    assert not result.stderr  # no warning about a cache folder, a config folder or anything else
    # a user's processes cannot have a memory cgroup of their own unless one is delegated to them
    missing = _limits_not_applied(result.stdout)
    assert "memory per submission (cgroup)" in missing
    assert "process-count limit" not in missing  # the kernel holds an ordinary user to it, namespace or not
    assert list(tmp.iterdir()) == []


@pytest.mark.slow
@needs_root
def test_with_namespaces_switched_off(student: Student) -> None:
    result = student.run(["selfcheck.py", str(student.solution)], **{features.ENV: "namespaces"})
    _passes_every_public_check(result)
    assert "user, network, PID, IPC and UTS namespaces: not available" in _limits_not_applied(result.stdout)


@pytest.mark.slow
@needs_root
def test_with_user_namespaces_refused_by_the_kernel(student: Student) -> None:
    result = student.run(["-m", "grader", "check", str(student.solution)],
                         as_user=[sys.executable, "-I", "-c", NO_USER_NAMESPACES])
    if result.returncode == 97:
        pytest.skip(f"cannot make a user namespace that refuses others here: {result.stderr.strip()}")
    _passes_every_public_check(result)
    missing = _limits_not_applied(result.stdout)
    assert "user namespace: not permitted here (No space left on device); user.max_user_namespaces is 0" in \
        " ".join(missing.split())
    assert "network, PID, IPC and UTS namespaces: not permitted here" in missing


#: Notebook cells, run by IPython's shell as Jupyter's kernel runs them (``!`` through the shell, the last
#: expression displayed).  The working directory, the bundle, is ``sys.path[0]`` as in a kernel.
CELLS = """
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
for cell in ["!python -m grader check {notebook}",
             "import torch\\nx = torch.ones(3) * 2",  # the notebook already ran torch
             "from grader.selfcheck import check\\ncheck({notebook!r})",
             "check('no-such-notebook.ipynb')"]:
    print(f"<<cell>>", flush=True)
    shell.run_cell(cell)
"""


@pytest.mark.slow
@needs_root
def test_notebook_cells_run_the_command_and_the_call(student: Student) -> None:
    result = student.run(["-c", CELLS.format(notebook=str(student.solution))],
                         IPYTHONDIR=str(student.home / ".ipython"))
    assert result.returncode == 0, result.stderr
    command, _, call, missing = result.stdout.split("<<cell>>\n")[1:]
    for output in (command, call):
        assert "public checks: 2/2 passed — your grade also uses hidden checks that are not run here" in output
        assert "Limits not applied on this machine" in output
        assert f"Self-check of {student.solution} (lenet_mnist)" in output
    # the returned result shows as one line under the report, not as a dump of every check
    assert re.search(r"^Out\[\d+\]: SelfCheckResult\('.*mine\.ipynb': 2/2 public checks passed, "
                     r"hidden checks not run\)$", call, re.MULTILINE), call
    assert "Out[" not in missing
    assert result.stderr.strip() == "error: no-such-notebook.ipynb: no such file; check the path of the submission"
    assert "Traceback" not in result.stdout


# -- check(), the notebook-cell call, without a worker (any user) ---------------------------------------

def test_check_prints_the_report_and_returns_a_one_line_result(capsys: pytest.CaptureFixture[str]) -> None:
    result = check(ROOT / "assignments" / NAME / "template.ipynb")
    out = " ".join(capsys.readouterr().out.split())  # however wide the terminal
    assert result is not None and result.passed == 0
    assert "not implemented yet: LeNet, backprop_deep" in out
    assert repr(result) == (f"SelfCheckResult('{ROOT / 'assignments' / NAME / 'template.ipynb'}': "
                            "0/2 public checks passed, hidden checks not run)")


def test_check_says_bad_input_in_one_error_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert check(tmp_path / "nope.ipynb") is None
    (tmp_path / "mine.ipynb").write_bytes((ROOT / "assignments" / NAME / "template.ipynb").read_bytes())
    assert check(tmp_path / "mine.ipynb", "no_such_assignment") is None
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 2 and all(line.startswith("error: ") for line in lines), captured.err
    assert "nope.ipynb: no such file" in lines[0] and "no_such_assignment" in lines[1]
    assert not captured.out


def test_check_on_a_system_without_fork_runs(capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Jupyter on Windows has no os.fork: the check runs (executors are then spawned, not forked)."""
    monkeypatch.delattr(os, "fork")
    result = check(ROOT / "assignments" / NAME / "template.ipynb")
    assert result is not None and result.unfinished
    captured = capsys.readouterr()
    assert "error" not in captured.err and "public checks: 0/" in captured.out


def test_check_prints_the_notes_as_the_command_does(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A .py without cell markers is read as one cell, with a note: the call says it, as the command does."""
    template = ROOT / "assignments" / NAME / "template.ipynb"
    source = "\n\n".join(c.source for c in nbformat.read(str(template), as_version=4).cells if c.cell_type == "code")
    plain = tmp_path / "mine.py"
    plain.write_text(re.sub(r"^\s*[!%].*$", "", source, flags=re.MULTILINE), encoding="utf-8")
    assert check(plain, NAME) is not None
    assert "note: " in capsys.readouterr().err
