"""A free loopback port, for a process the harness is about to start.

The kernel picks one nothing listens on now; another process may still take it before ours
binds it, so a caller that can tell (``pg_ctl``'s "Address already in use") tries another.
"""

from __future__ import annotations

import socket

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A port nothing listens on right now on 127.0.0.1 (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
    return port
