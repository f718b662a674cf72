"""The worker process: loads the student module and answers probe requests.

Started by :mod:`grader.sandbox.client` as ``python -m grader.sandbox.worker``.
Protocol messages travel on two dedicated pipe descriptors; fd 1 and 2 belong to
the student (captured by the judge), so printing cannot forge a reply.
"""

from __future__ import annotations

import argparse
import json
import linecache
import os
import sys
from typing import Any


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="grader-worker")
    parser.add_argument("--request-fd", type=int, required=True)
    parser.add_argument("--reply-fd", type=int, required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--limits", required=True, help="JSON of grader.sandbox.limits.Limits")
    return parser.parse_args()


def tampered_reply(names: list[str]) -> dict[str, Any]:
    return {"ok": False, "failure": {"kind": "tampered", "names": names,
                                     "summary": "your code replaced " + ", ".join(names)}}


def _fork_if_init(descriptors: tuple[int, int]) -> None:
    """Inside a new PID namespace the worker starts as PID 1, and the kernel shields PID 1 from
    signals it sends itself (``os.kill(os.getpid(), SIGSEGV)`` would do nothing).  So PID 1 only
    forks the real worker and waits for it, reaping orphans, then exits with the worker's status
    (128 + N for a signal N, the shell's convention); the namespace and everything in it die then."""
    if os.getpid() != 1:
        return
    child = os.fork()
    if child == 0:
        return
    for fd in descriptors:
        os.close(fd)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(0)
        except InterruptedError:
            continue
        if pid == child:
            code = os.waitstatus_to_exitcode(status)
            os._exit(code if code >= 0 else 128 - code)


def main() -> None:
    args = _parse()
    _fork_if_init((args.request_fd, args.reply_fd))
    # Everything the probes need is imported before the limits close the filesystem.
    import numpy  # noqa: F401
    import torch
    import torch.nn.functional  # noqa: F401

    from grader.sandbox import leftovers, operations, probes, protocol, student as student_module
    from grader.sandbox.guard import Guard
    from grader.sandbox.limits import apply_in_worker, worker_read_paths
    from grader.sandbox.student import StudentCodeError, StudentModule, TamperingDetected, describe_exception

    torch.set_num_threads(1)
    os.chdir(args.workdir)
    operations.warm_up()  # torch patches some of its own functions lazily: let it, then snapshot
    guard = Guard()
    limits = json.loads(args.limits)
    student_module.memory_limit_gib = int(limits["memory_bytes"]) / 2**30
    applied, missing = apply_in_worker(limits, args.workdir, *worker_read_paths())
    linecache.clearcache()  # grader sources read before the restriction must not stay visible
    if not leftovers.become_subreaper():
        missing.append("orphaned processes: not adopted by the worker (prctl failed); a double fork "
                       "is not seen as left running")
    protocol_fds = (args.request_fd, args.reply_fd)
    descriptors = leftovers.descriptor_identities((0, 1, 2, *protocol_fds))
    streams = (sys.stdin, sys.stdout, sys.stderr)
    student = StudentModule(guard=guard)
    protocol.write_message(args.reply_fd, {"id": 0, "ok": True, "value": {"applied": applied, "missing": missing}})

    def handle(request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        payload = protocol.decode_tensors(request.get("args", {}))
        try:
            if op == "load":
                student.run_statement(**payload)
                value: Any = None
            elif op in operations.OPERATIONS:
                value = operations.OPERATIONS[op](student, **payload)
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
            request = protocol.read_message(args.request_fd)
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
            protocol.write_message(args.reply_fd, reply)
        except (OSError, protocol.ProtocolError, ValueError, TypeError) as exc:
            protocol.write_message(args.reply_fd, {"id": request.get("id"), "ok": False, "failure": {
                "kind": "probe", "summary": f"the result could not be sent back: {exc}"}})
    os._exit(0)


if __name__ == "__main__":
    main()
