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
import itertools
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


def group_listens(pgid: int, port: int) -> bool | None:
    """Whether a process of group ``pgid`` listens on TCP ``port`` (on any address); None where
    the system will not say (psutil's ``AccessDenied``). The group's leader, usually the one
    listening, is asked first: each process asked costs a read of the system's whole TCP table
    (about 10 ms here)."""
    try:
        leader = [psutil.Process(pgid)]
    except psutil.NoSuchProcess:
        leader = []
    others = (process for process in group_members(pgid) if process.pid != pgid)  # if need be
    for process in itertools.chain(leader, others):
        try:
            sockets = process.net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            continue  # gone while we looked, or a zombie
        except psutil.AccessDenied:
            return None
        if any(
            s.status == psutil.CONN_LISTEN and s.laddr and s.laddr.port == port for s in sockets
        ):
            return True
    return False
