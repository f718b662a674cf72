"""The executor: the process that runs one item's student code and answers probe requests.

It is forked from the zygote (:mod:`grader.sandbox.executor.zygote`), which has already imported
torch, numpy and every probe and warmed them up, so an executor starts in milliseconds (where no
zygote can fork, as on macOS and Windows, it is a fresh interpreter: :mod:`grader.sandbox.executor.spawned`).
:func:`run` enters the namespaces, applies the limits, loads nothing by itself and then
serves requests until the judge closes the channel.  Protocol messages travel on two
dedicated pipe descriptors; fd 1 and 2 belong to the student (captured by the judge), so
printing cannot forge a reply.
"""

from __future__ import annotations

import linecache
import os
import sys
from typing import Any, NoReturn

from grader.sandbox.common import protocol
from grader.sandbox.executor import audit, leftovers, libraries, namespaces, student as student_module
from grader.sandbox.executor.guard import Guard
from grader.sandbox.executor.limits import apply_in_worker, worker_read_paths
from grader.sandbox.executor.student import StudentCodeError, StudentModule, TamperingDetected, describe_exception
from grader.sandbox.probes import core as probes, registry


def tampered_reply(names: list[str]) -> dict[str, Any]:
    return {"ok": False, "failure": {"kind": "tampered", "names": names,
                                     "summary": "your code replaced " + ", ".join(names)}}


def run(request_fd: int, reply_fd: int, workdir: str, limits: dict[str, Any], cgroup: Any = None,
        started: str | None = None) -> NoReturn:
    """Serve one item's requests; called in a freshly forked child of the zygote (or a fresh interpreter,
    which says so in ``started``), never returns."""
    applied, missing = namespaces.isolate((request_fd, reply_fd), workdir, int(limits["workdir_bytes"]))
    if started:
        applied.insert(0, started)
    os.chdir(workdir)
    os.environ.update(TMPDIR=workdir, HOME=workdir)
    guard = Guard()
    student_module.memory_limit_gib = int(limits["memory_bytes"]) / 2**30
    limited, not_limited = apply_in_worker(limits, workdir, *worker_read_paths(), cgroup=cgroup)
    applied += limited
    missing += not_limited
    linecache.clearcache()  # grader sources read before the restriction must not stay visible
    applied.append(audit.install())
    missing += leftovers.adoption_notes()
    protocol_fds = (request_fd, reply_fd)
    descriptors = leftovers.descriptor_identities((0, 1, 2, *protocol_fds))
    streams = (sys.stdin, sys.stdout, sys.stderr)
    student = StudentModule(guard=guard)
    protocol.write_message(reply_fd, {"id": 0, "ok": True, "value": {"applied": applied, "missing": missing}})

    def handle(request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        payload = protocol.decode_tensors(request.get("args", {}))
        try:
            if op == "load":
                student.run_statement(**payload)
                value: Any = None
            elif op in registry.OPERATIONS:
                value = registry.OPERATIONS[op](student, **payload)
            else:
                return {"ok": False, "failure": {"kind": "protocol", "summary": f"unknown op {op!r}"}}
            return {"ok": True, "value": protocol.encode_tensors(value)}
        except StudentCodeError as exc:
            return {"ok": False, "failure": exc.failure}
        except TamperingDetected as exc:
            return tampered_reply(exc.names)
        except probes.ProbeError as exc:
            return {"ok": False, "failure": {"kind": "probe", "summary": str(exc)}}
        except BaseException as exc:  # student objects misbehaving inside grader code
            tampered = guard.check_and_restore()
            if tampered:
                return tampered_reply(tampered)
            failure = describe_exception(exc)
            failure["kind"] = "probe"
            return {"ok": False, "failure": failure}

    while True:
        try:
            request = protocol.read_message(request_fd)
        except (EOFError, protocol.ProtocolError, OSError):
            break
        reply = handle(request)
        reply["id"] = request.get("id")
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001 - the student may have closed it
                pass
        sys.stdin, sys.stdout, sys.stderr = streams  # a student's redirection ends with its call
        try:
            libraries.after_request()
        except BaseException:  # noqa: BLE001 - a figure the student broke: nothing to draw anyway
            pass
        left = leftovers.what_was_left(descriptors, protocol_fds)
        if left:
            escaped = leftovers.leftover_failure(left, str(request.get("op")))
            if reply.get("ok"):
                reply = {"id": reply["id"], "ok": False, "failure": escaped}
            else:
                failure = reply.setdefault("failure", {})
                failure["summary"] = f"{failure.get('summary', 'failed')}; and {escaped['summary']}"
                failure["kind"], failure["restart"] = "escaped", True
        try:
            protocol.write_message(reply_fd, reply)
        except (OSError, protocol.ProtocolError, ValueError, TypeError) as exc:
            protocol.write_message(reply_fd, {"id": request.get("id"), "ok": False, "failure": {
                "kind": "probe", "summary": f"the result could not be sent back: {exc}"}})
    os._exit(0)

