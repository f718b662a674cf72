"""Waiting for a pipe to become readable, with a deadline, on every system the judge runs on.

``select`` takes pipes on POSIX only; on Windows it takes sockets alone, so there the pipe is asked
how many bytes wait in it (``PeekNamedPipe``, as ``multiprocessing`` does) every few milliseconds.
"""

from __future__ import annotations

import os
import select
import time

_POLL_S = 0.002


def wait_readable(fd: int, timeout: float) -> bool:
    """True when a read of ``fd`` would not block (data, or the writer has gone: EOF), within ``timeout``."""
    if os.name != "nt":
        ready, _, _ = select.select([fd], [], [], timeout)
        return bool(ready)
    import _winapi
    import msvcrt

    handle = msvcrt.get_osfhandle(fd)
    deadline = time.monotonic() + timeout
    while True:
        try:
            available, _ = _winapi.PeekNamedPipe(handle, 0)
        except OSError:  # the writer closed its end: the read that follows sees EOF
            return True
        if available:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_S)
