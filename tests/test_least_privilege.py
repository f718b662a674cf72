"""Least privilege for the process that runs student code: seccomp, Landlock, cgroup.

Each attack runs in a fresh subprocess that applies the measures to itself exactly as
an executor does (``apply_in_worker`` with a temporary working directory, joined to a
:class:`SubmissionCgroup` where one can be made) and then tries the attack.  Nothing
here goes through the grader's student namespace.  A test whose mechanism is missing
on this machine is skipped with the reason the sandbox reported, never passed.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.sandbox.common.cgroup import SubmissionCgroup
from grader.sandbox.common.limits import Limits

REPO = Path(__file__).resolve().parents[1]
MiB = 1024**2

CHILD = textwrap.dedent('''
    import errno, json, os, sys
    spec = json.loads(sys.argv[1])
    exec(spec["before"])  # imports, while the filesystem is still open
    from grader.sandbox.executor.limits import apply_in_worker, worker_read_paths
    group = None
    if spec["cgroup"]:
        from grader.sandbox.common.cgroup import SubmissionCgroup
        group = SubmissionCgroup.from_plain(spec["cgroup"])
        group.join_self()
    os.chdir(spec["workdir"])
    applied, missing = apply_in_worker(spec["limits"], spec["workdir"], *worker_read_paths(), cgroup=group)
    print(json.dumps({"applied": applied, "missing": missing}), flush=True)

    def attempt(action):
        """'allowed', or 'refused <errno name>' for an OSError."""
        try:
            action()
        except OSError as exc:
            return "refused " + errno.errorcode.get(exc.errno, str(exc.errno))
        return "allowed"

    outcome = None
    exec(spec["attack"])
    print(json.dumps({"outcome": outcome}), flush=True)
''')


def child_command(workdir: Path, attack: str, before: str = "", group: SubmissionCgroup | None = None,
                  limits: Limits | None = None) -> list[str]:
    spec = {"workdir": str(workdir), "attack": textwrap.dedent(attack), "before": textwrap.dedent(before),
            "limits": (limits or Limits()).to_plain(),
            "cgroup": None if group is None else group.to_plain()}
    return [sys.executable, "-c", CHILD, json.dumps(spec)]


def run_child(workdir: Path, attack: str, before: str = "", group: SubmissionCgroup | None = None,
              timeout: float = 120) -> dict[str, Any]:
    """Apply the measures in a subprocess, run ``attack`` there; its notes and ``outcome``."""
    proc = subprocess.run(child_command(workdir, attack, before, group), cwd=REPO, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "PYTHONPATH": str(REPO)})
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert proc.returncode == 0 and len(lines) == 2, (proc.returncode, proc.stdout, proc.stderr[-3000:])
    return {**lines[0], **lines[1]}


def require(result: dict[str, Any], words: tuple[str, ...], what: str) -> None:
    """Skip, with the reasons reported, unless an applied note mentions one of ``words``."""
    if not any(word in note for note in result["applied"] for word in words):
        pytest.skip(f"{what} is not applied on this machine: {'; '.join(result['missing']) or 'no reason given'}")


@pytest.fixture
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="least-privilege-") as directory:
        yield Path(directory)


def new_cgroup(memory_bytes: int, max_pids: int = 64) -> SubmissionCgroup:
    group, note = SubmissionCgroup.create(memory_bytes, max_pids)
    if group is None:
        pytest.skip(note)
    return group


# -- sockets, device nodes, file flags ------------------------------------------------------
def test_no_connection_to_a_pathname_unix_socket_of_the_host(workdir: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="host-socket-") as outside:
        path = os.path.join(outside, "listener.sock")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
            server.bind(path)
            server.listen(1)
            server.setblocking(False)
            result = run_child(workdir, f"""
                import socket
                def connect():
                    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                        client.connect({path!r})
                outcome = attempt(connect)
                """)
            require(result, ("seccomp",), "the system-call filter (seccomp)")
            assert result["outcome"] == "refused EPERM", result
            with pytest.raises(BlockingIOError):
                server.accept()


def test_no_socket_of_any_family(workdir: Path) -> None:
    result = run_child(workdir, """
        import socket
        families = [socket.AF_UNIX, socket.AF_INET, socket.AF_INET6, socket.AF_NETLINK]
        outcome = [attempt(lambda f=f: socket.socket(f, socket.SOCK_DGRAM).close()) for f in families]
        outcome.append(attempt(lambda: [s.close() for s in socket.socketpair()]))
        """)
    require(result, ("seccomp",), "the system-call filter (seccomp)")
    assert result["outcome"] == ["refused EPERM"] * 5, result


@pytest.mark.parametrize("kind", ["fifo", "char device", "unix socket file", "symlink"])
def test_only_regular_files_and_directories_in_the_working_directory(workdir: Path, kind: str) -> None:
    make = {"fifo": "os.mkfifo('node')",
            "char device": "os.mknod('node', 0o600 | stat.S_IFCHR, os.makedev(1, 3))",  # /dev/null's numbers
            "unix socket file": "os.mknod('node', 0o600 | stat.S_IFSOCK)",
            "symlink": "os.symlink('/etc/shadow', 'node')"}[kind]
    result = run_child(workdir, f"""
        import stat
        outcome = attempt(lambda: {make})
        """)
    if kind == "symlink":
        require(result, ("Landlock",), "filesystem isolation (Landlock)")
    else:
        require(result, ("Landlock", "seccomp"), "filesystem isolation (Landlock) and seccomp")
    assert result["outcome"].startswith("refused E"), result
    assert result["outcome"] in ("refused EPERM", "refused EACCES"), result
    assert not os.path.lexists(workdir / "node")


def test_no_immutable_flag_on_a_file_of_the_working_directory(workdir: Path) -> None:
    result = run_child(workdir, """
        import fcntl, struct
        FS_IOC_GETFLAGS, FS_IOC_SETFLAGS, FS_IMMUTABLE_FL = 0x80086601, 0x40086602, 0x10
        with open('victim.txt', 'w') as f:
            f.write('x')
        fd = os.open('victim.txt', os.O_RDONLY)
        outcome = attempt(lambda: fcntl.ioctl(fd, FS_IOC_SETFLAGS, struct.pack('l', FS_IMMUTABLE_FL)))
        # the kernel reads the request as 32 bits: high bits must not slip past the filter
        outcome += ' / ' + attempt(lambda: fcntl.ioctl(fd, FS_IOC_SETFLAGS | (1 << 32), struct.pack('l', FS_IMMUTABLE_FL)))
        """)
    victim = workdir / "victim.txt"
    try:
        require(result, ("seccomp",), "the system-call filter (seccomp)")
        assert result["outcome"].startswith("refused EPERM / refused E"), result
        victim.unlink()  # an immutable file could not be removed
    finally:
        if victim.exists():
            subprocess.run(["chattr", "-i", str(victim)], capture_output=True)


# -- IPC, kernel log, host name, secrets ---------------------------------------------------
def test_no_sysv_ipc_objects(workdir: Path) -> None:
    result = run_child(workdir, """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        IPC_PRIVATE, IPC_CREAT, IPC_RMID = 0, 0o1000, 0
        outcome = []
        for create, remove in ((lambda: libc.shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0o600), libc.shmctl),
                               (lambda: libc.semget(IPC_PRIVATE, 1, IPC_CREAT | 0o600), libc.semctl),
                               (lambda: libc.msgget(IPC_PRIVATE, IPC_CREAT | 0o600), libc.msgctl)):
            ident = create()
            if ident >= 0:
                remove(ident, IPC_RMID, None)  # never leave one behind, even when the test fails
                outcome.append('allowed')
            else:
                outcome.append('refused ' + errno.errorcode[ctypes.get_errno()])
        """)
    require(result, ("seccomp",), "the system-call filter (seccomp)")
    assert result["outcome"] == ["refused EPERM"] * 3, result


def test_no_reading_the_kernel_log(workdir: Path) -> None:
    result = run_child(workdir, """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        buffer = ctypes.create_string_buffer(4096)
        SYSLOG_ACTION_READ_ALL = 3
        outcome = 'allowed' if libc.klogctl(SYSLOG_ACTION_READ_ALL, buffer, 4096) >= 0 else \\
            'refused ' + errno.errorcode[ctypes.get_errno()]
        """)
    require(result, ("seccomp",), "the system-call filter (seccomp)")
    assert result["outcome"] == "refused EPERM", result


def test_no_writing_to_the_kernel_log(workdir: Path) -> None:
    if not os.path.exists("/dev/kmsg"):
        pytest.skip("this machine has no /dev/kmsg")
    result = run_child(workdir, """
        def write():
            with open('/dev/kmsg', 'w') as kmsg:
                kmsg.write('<3>grader test: a submission wrote to the kernel log\\n')
        outcome = attempt(write)
        """)
    require(result, ("Landlock",), "filesystem isolation (Landlock)")
    assert result["outcome"] == "refused EACCES", result


def test_no_reading_password_hashes_or_other_secrets_in_etc(workdir: Path) -> None:
    secrets = [path for path in ("/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/ssh/ssh_host_rsa_key",
                                 "/etc/hostname", "/etc/hosts") if os.path.exists(path)]
    if not secrets:
        pytest.skip("none of /etc/shadow, gshadow, sudoers, ssh host keys exists here")
    result = run_child(workdir, f"""
        outcome = {{path: attempt(lambda path=path: open(path, 'rb').close()) for path in {secrets!r}}}
        outcome['/etc/passwd'] = attempt(lambda: open('/etc/passwd', 'rb').close())  # getpass needs it
        """)
    require(result, ("Landlock",), "filesystem isolation (Landlock)")
    assert result["outcome"] == {**{path: "refused EACCES" for path in secrets}, "/etc/passwd": "allowed"}, result


def test_no_changing_the_host_name(workdir: Path) -> None:
    name = socket.gethostname()  # the same name: harmless even if the filter were missing
    result = run_child(workdir, f"""
        import socket
        outcome = attempt(lambda: socket.sethostname({name!r}))
        """)
    require(result, ("seccomp",), "the system-call filter (seccomp)")
    assert result["outcome"] == "refused EPERM", result


def test_no_new_namespaces(workdir: Path) -> None:
    result = run_child(workdir, """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000
        outcome = ['allowed' if libc.unshare(flags) == 0 else 'refused ' + errno.errorcode[ctypes.get_errno()]
                   for flags in (CLONE_NEWUSER, CLONE_NEWNS)]
        """)
    require(result, ("seccomp",), "the system-call filter (seccomp)")
    assert result["outcome"] == ["refused EPERM"] * 2, result


# -- memory per submission ------------------------------------------------------------------
HOG = """
    import time
    hog = b'x' * (160 * 1024**2)  # every page touched
    print(json.dumps({"holding": True}), flush=True)
    time.sleep(60)
"""


def test_memory_is_limited_per_submission_not_per_process(workdir: Path) -> None:
    """Two processes of one submission, each within the limit alone, together above it:
    one of them is killed for memory, and the cgroup says so."""
    group = new_cgroup(256 * MiB)
    first = second = None
    try:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        first = subprocess.Popen(child_command(workdir, HOG, group=group), cwd=REPO, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert first.stdout is not None
        notes = json.loads(first.stdout.readline())
        assert any("cgroup" in note for note in notes["applied"]), notes
        assert not any("address-space" in note for note in notes["applied"]), notes
        held = first.stdout.readline()
        assert "holding" in held, (held, first.stderr.read() if first.poll() is not None else "")
        second = subprocess.Popen(child_command(workdir, HOG, group=group), cwd=REPO, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        codes = set()
        for proc in (second, first):
            try:
                codes.add(proc.wait(timeout=30 if proc is second else 2))
            except subprocess.TimeoutExpired:
                codes.add(None)  # still holding its memory: the other one was killed
        assert -9 in codes, codes  # SIGKILL from the OOM killer
        assert group.oom_kills() >= 1, group.memory_events()
        peak = group.memory_peak()
        assert peak is None or peak <= 256 * MiB, peak
    finally:
        assert group.close()
        for proc in (first, second):
            if proc is not None:
                proc.kill()
                proc.wait()
                proc.stdout and proc.stdout.close()  # type: ignore[func-returns-value]
                proc.stderr and proc.stderr.close()  # type: ignore[func-returns-value]
    assert not any(os.path.exists(directory) for directory in group.directories.values())


def test_closing_the_cgroup_kills_what_is_left_and_removes_it(workdir: Path) -> None:
    group = new_cgroup(256 * MiB, max_pids=16)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(child_command(workdir, "import time\nos.setsid()\ntime.sleep(60)", group=group),
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        notes = json.loads(proc.stdout.readline())
        assert any("at most 16 processes" in note for note in notes["applied"]) or group.max_pids is None, notes
        assert proc.pid in group.pids()
        assert group.close()
        assert proc.wait(timeout=10) == -9
        assert not any(os.path.exists(directory) for directory in group.directories.values())
    finally:
        group.close()
        proc.kill()
        proc.wait()
        proc.stdout and proc.stdout.close()  # type: ignore[func-returns-value]


def test_swap_cannot_extend_the_memory_limit() -> None:
    group = new_cgroup(128 * MiB)
    try:
        if group.version == 2:
            swap = os.path.join(group.directories[""], "memory.swap.max")
            if not os.path.exists(swap):
                pytest.skip("this kernel has no swap accounting (memory.swap.max)")
            assert Path(swap).read_text().strip() == "0"
        else:
            memsw = os.path.join(group.directories["memory"], "memory.memsw.limit_in_bytes")
            if not os.path.exists(memsw):
                pytest.skip("this kernel has no swap accounting (memory.memsw.limit_in_bytes)")
            assert int(Path(memsw).read_text()) == 128 * MiB
    finally:
        assert group.close()


# -- honest work -----------------------------------------------------------------------------
def test_honest_torch_work_runs_under_every_measure(workdir: Path) -> None:
    group, _ = SubmissionCgroup.create(4 * 1024**3, 64)
    try:
        result = run_child(workdir, before="import numpy, torch, torch.nn as nn", group=group, attack="""
            import getpass, time
            torch.manual_seed(0)
            net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                                nn.Flatten(), nn.Dropout(0.5), nn.Linear(8 * 4 * 4, 10))
            opt = torch.optim.SGD(net.parameters(), lr=0.1)
            data = torch.utils.data.TensorDataset(torch.randn(32, 3, 8, 8), torch.randint(0, 10, (32,)))
            for x, y in torch.utils.data.DataLoader(data, batch_size=8, shuffle=True, num_workers=0):
                opt.zero_grad()
                loss = nn.functional.cross_entropy(net(x), y)
                loss.backward()
                opt.step()
            os.makedirs('checkpoints/best', exist_ok=True)
            torch.save({'model': net.state_dict(), 'opt': opt.state_dict()}, 'checkpoints/best/net.pt')
            os.replace('checkpoints/best/net.pt', 'checkpoints/net.pt')
            state = torch.load('checkpoints/net.pt')
            net.load_state_dict(state['model'])
            array = numpy.linalg.inv(numpy.eye(3) * 2) @ numpy.ones(3)
            stamp = time.strftime('%Y-%m-%d %H:%M')
            outcome = {'loss': float(loss), 'numpy': array.tolist(), 'user': getpass.getuser() != '',
                       'threads': __import__('threading').Thread(target=lambda: None).start() is None}
            """)
    finally:
        if group is not None:
            assert group.close()
    applied = " ".join(result["applied"])
    if "seccomp" not in applied or "Landlock" not in applied:
        pytest.skip(f"not every measure applies here: {'; '.join(result['missing'])}")
    assert result["outcome"]["numpy"] == [0.5, 0.5, 0.5]
    assert result["outcome"]["user"] and result["outcome"]["threads"]
    assert result["outcome"]["loss"] == result["outcome"]["loss"]  # not NaN
    if group is not None:
        assert "cgroup" in applied and "address-space" not in applied, result["applied"]


def test_seccomp_names_exist_on_both_architectures() -> None:
    seccomp = pytest.importorskip("pyseccomp", reason="pyseccomp (libseccomp) is not installed")
    from grader.sandbox.executor.seccomp_filter import DENIED

    for arch, absent in ((seccomp.Arch.X86_64, set()), (seccomp.Arch.AARCH64, {"mknod"})):
        unknown = {name for name in DENIED if seccomp.resolve_syscall(arch, name) < 0}
        assert unknown == absent, (arch, unknown)
