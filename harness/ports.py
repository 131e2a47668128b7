"""Free loopback ports, for the processes the harness is about to start.

The kernel picks ports nothing listens on now; another process may still take one before ours
binds it, so a caller that can tell (``pg_ctl``'s "Address already in use") tries another. The
ports one caller needs together come from one ``free_ports``: a port the kernel has just given
and taken back may be given again at once, so asking one at a time can hand two of a stack's
processes the same port (seen: the web process told to listen where the fake already did, whose
answers then passed for the web process's own).
"""

from __future__ import annotations

import socket
from contextlib import ExitStack

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A port nothing listens on right now on 127.0.0.1 (the kernel's choice)."""
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """``count`` different ports nothing listens on right now on 127.0.0.1: each socket is held
    until all are chosen, so the kernel cannot give one port twice."""
    with ExitStack() as held:
        ports: list[int] = []
        for _ in range(count):
            sock = held.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((LOOPBACK, 0))
            ports.append(sock.getsockname()[1])
    return ports
