"""Records of the app's running process groups, so a harness run that dies outright (SIGKILL,
the OOM killer, a CI timeout) leaves nothing running that the next run does not stop.

Each service the harness starts runs in a process group of its own; while it runs, a record
file under ``<tmp>/wallet-harness-<uid>/services/`` names the group, and the harness process
holds an exclusive ``flock`` on it (as ``harness.postgres.cluster_registry`` does for clusters).
The kernel drops the lock when its holder dies, however it dies, so ``sweep_leftover_services``
stops exactly the groups whose owner is gone: SIGTERM to the group, then SIGKILL to whatever is
left of it five seconds later. A group whose leader's pid now belongs to a newer process is
someone else's and is left alone.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import signal
from pathlib import Path

import psutil

from harness.pids import group_members
from harness.postgres.cluster_registry import (
    harness_tmp_dir,
    orphaned,
    private_dir,
    sweep_stale_clusters,
)
from harness.stack.scratch import sweep_leftover_folders

log = logging.getLogger("harness.stack.leftovers")
STOP_GRACE = 5.0


def services_dir() -> Path:
    return private_dir(harness_tmp_dir() / "services")


class ServiceRecord:
    """The record of one running service's process group, locked by this process."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    def release(self) -> None:
        """The group is stopped: forget it."""
        if self._fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = None


def register(name: str, pid: int, command: list[str]) -> ServiceRecord:
    """Record the process group led by ``pid`` (a service started in a session of its own)."""
    path = services_dir() / f"{os.getpid()}-{pid}.json"
    # written and locked under a name no sweep reads, then renamed: a sweep never sees it unlocked
    unfinished = path.with_suffix(".tmp")
    fd = os.open(unfinished, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        created = psutil.Process(pid).create_time()
    except psutil.Error:  # gone already: nothing to leave behind, the record is harmless
        created = 0.0
    record = {
        "name": name,
        "pgid": pid,
        "leader_created": created,
        "owner": os.getpid(),
        "command": " ".join(command),
    }
    os.write(fd, json.dumps(record).encode())
    os.rename(unfinished, path)
    return ServiceRecord(path, fd)


def sweep_leftovers() -> list[str]:
    """Everything harness runs that died left behind, stopped or removed, each described: the
    app's process groups, PostgreSQL clusters, temporary folders. A run calls it first and says
    what it swept."""
    swept = sweep_leftover_services()
    swept += [
        f"PostgreSQL cluster {record.base_dir} of a harness run that died (pid {record.owner_pid})"
        for record in sweep_stale_clusters()
    ]
    return swept + sweep_leftover_folders()


def sweep_leftover_services(folder: Path | None = None) -> list[str]:
    """Stop the process groups of harness runs that died; what was stopped, described."""
    stopped = []
    for path in orphaned(sorted((folder or services_dir()).glob("*.json"))):
        try:
            record = json.loads(path.read_bytes() or b"{}")
            what = _stop_group(int(record["pgid"]), float(record["leader_created"]))
        except (ValueError, KeyError, TypeError):  # torn by the death of its writer
            what = None
        if what:
            described = f"{record['name']} ({record['command']}) of a harness run that died"
            log.warning("stopped a leftover %s: %s", described, what)
            stopped.append(f"{described}: {what}")
        path.unlink(missing_ok=True)
    return stopped


def _stop_group(pgid: int, leader_created: float) -> str | None:
    try:
        leader = psutil.Process(pgid)
        if abs(leader.create_time() - leader_created) > 0.01:
            return None  # the pid is a newer process's: not ours
    except psutil.NoSuchProcess:
        pass  # the leader is gone; its group may live on in its children
    members = group_members(pgid)
    if not members:
        return None
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    _, alive = psutil.wait_procs(members, timeout=STOP_GRACE)
    if alive:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        psutil.wait_procs(alive, timeout=STOP_GRACE)
    return f"process group {pgid}, {len(members)} process(es)"
