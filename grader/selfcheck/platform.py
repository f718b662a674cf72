"""Can this machine run the sandbox at all?  Asked before anything starts, so a student on a laptop
gets one plain line instead of a traceback.

What the sandbox cannot do without: ``os.fork`` (the zygote forks executors) and UNIX packet sockets
(``SOCK_SEQPACKET``, the judge-zygote protocol).  Windows has neither; macOS has fork but, as far as
we know, no ``SOCK_SEQPACKET`` socket pairs (untested here).  Everything else the sandbox uses
(namespaces, Landlock, seccomp, cgroups, ``prctl``) degrades: it is listed as a limit not applied.
"""

from __future__ import annotations

import os
import socket
import sys

from grader.errors import UnsupportedPlatform

__all__ = ["require_supported"]

_WHERE = "run the self-check on Google Colab, on Linux, or in WSL on Windows"


def require_supported() -> None:
    """Raise UnsupportedPlatform, naming what is missing and where to run instead."""
    if not hasattr(os, "fork"):
        raise UnsupportedPlatform(f"this system ({sys.platform}) cannot start the grader's sandboxed worker "
                                  f"(no os.fork); {_WHERE}")
    try:
        ends = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    except (AttributeError, OSError) as exc:
        raise UnsupportedPlatform(f"this system ({sys.platform}) has no UNIX packet sockets ({exc}), which the "
                                  f"grader's sandbox needs; {_WHERE}") from None
    for end in ends:
        end.close()
