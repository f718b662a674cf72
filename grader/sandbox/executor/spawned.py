"""An executor started as a fresh interpreter, where no zygote can fork one (macOS, Windows).

``python -m grader.sandbox.executor.spawned --request R --reply W --judge PID --setup JSON``:
``R`` and ``W`` are the protocol pipes the judge handed down (descriptor numbers on POSIX, handles
on Windows), ``JSON`` the same description the zygote receives (working directory, limits,
cgroup, libraries).  Standard input, output and error were set by the judge (nothing, and its two
capture pipes), the environment is :func:`grader.sandbox.common.environment.executor_environment`'s
(plus what the interpreter needs to find its packages, dropped once they are imported) and the working directory
is the item's.  It then imports torch and the probes, warms them up, and serves exactly like a
forked executor (:func:`grader.sandbox.executor.server.run`).  Slower to start (one torch import per
item) but it needs neither ``os.fork`` nor descriptor passing.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from typing import NoReturn

from grader.sandbox.common.environment import executor_environment
from grader.sandbox.executor import namespaces, startup

#: Said among the limits applied, so a report shows how the executor was started.
STARTED = "executor: a fresh Python process for this item (this system cannot fork a zygote)"


def descriptor(token: str, reading: bool) -> int:
    """The descriptor the judge passed: its number on POSIX, its handle on Windows."""
    if os.name == "nt":
        import msvcrt

        return msvcrt.open_osfhandle(int(token), os.O_RDONLY if reading else 0)
    return int(token)


def main(argv: list[str] | None = None) -> NoReturn:
    parser = argparse.ArgumentParser(prog="grader-executor")
    parser.add_argument("--request", required=True, help="the judge's request pipe (read end)")
    parser.add_argument("--reply", required=True, help="the judge's reply pipe (write end)")
    parser.add_argument("--judge", type=int, required=True, help="the judge's pid (we die with it)")
    parser.add_argument("--setup", required=True, help="working directory, limits, cgroup, libraries (JSON)")
    args = parser.parse_args(argv)
    try:
        request_fd, reply_fd = descriptor(args.request, True), descriptor(args.reply, False)
        setup = json.loads(args.setup)
        workdir = str(setup["workdir"])
        cgroup = startup.join_cgroup(setup.get("cgroup"))
        namespaces.die_with_parent(args.judge)
        startup.redirect_standard_streams(1, 2)
        tempfile.tempdir = workdir
        startup.import_libraries()
        from grader.sandbox.executor import libraries, server
        from grader.sandbox.probes import registry

        registry.warm_up()
        environment = executor_environment(workdir)  # read before clearing: it keeps switched-off features
        os.environ.clear()  # the judge's PYTHONPATH found the grader (and torch); the student code sees only this
        os.environ.update(environment)
        libraries.prepare(tuple(str(name) for name in setup.get("libraries") or ()))
        server.run(request_fd, reply_fd, workdir, dict(setup["limits"]), cgroup, started=STARTED)
    finally:
        os._exit(70)


if __name__ == "__main__":
    main()
