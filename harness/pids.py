"""Whether a process, or any process of a group, still runs, asked through psutil (Linux,
macOS and the BSDs alike).

A zombie counts as dead: it has exited and runs no code, holds no port and serves no request;
only its parent can still reap it. In a container whose PID 1 does not reap, a stopped
postmaster stays a zombie for ever, and a ``wallet-harness serve`` killed under a parent that
never waits stays one too: both must read as gone, or a cleanup would wait for ever and a stale
state file would never be taken over.
"""

from __future__ import annotations

import contextlib
import os

import psutil


def process_alive(pid: int) -> bool:
    """True while process ``pid`` exists and has not exited (a zombie has exited)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True  # someone else's process, and it is there


def group_members(pgid: int) -> list[psutil.Process]:
    """The processes of process group ``pgid`` still running (``process_alive``): a service's
    children are in its group, may outlive its leader by a moment, and may be all that is left
    of it."""
    members = []
    for process in psutil.process_iter():
        with contextlib.suppress(ProcessLookupError):  # gone while we looked
            if os.getpgid(process.pid) == pgid and process_alive(process.pid):
                members.append(process)
    return members
