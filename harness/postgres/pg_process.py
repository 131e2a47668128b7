"""Running PostgreSQL's own tools as the right user, and stopping a postmaster for good.

The server refuses to run as root, so when we are root every ``initdb`` / ``pg_ctl`` call runs
as an unprivileged user (``WALLET_PG_USER``, default ``postgres``) through ``subprocess.run(user=,
group=, extra_groups=[])``: no shell, no sudo. As a normal user the tools run as ourselves.
"""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import signal
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import psutil

from harness.pids import process_alive
from harness.polling import poll_until

logger = logging.getLogger("harness.postgres.local_cluster")

DEFAULT_RUN_AS_USER = "postgres"
STOP_TIMEOUT_SECONDS = 15
_POLL_SECONDS = 0.02


class LocalClusterError(RuntimeError):
    """A throwaway cluster could not be created, started or stopped."""


@dataclass(frozen=True)
class RunAs:
    """The unprivileged account the server tools run as when we are root."""

    user: str
    uid: int
    gid: int


def run_as_for_current_user(environ: Mapping[str, str] | None = None) -> RunAs | None:
    """None when we are not root (tools run as ourselves); else the account from
    ``WALLET_PG_USER`` (default ``postgres``)."""
    if os.geteuid() != 0:
        return None
    env = os.environ if environ is None else environ
    return run_as_user(env.get("WALLET_PG_USER") or DEFAULT_RUN_AS_USER)


def run_as_user(name: str) -> RunAs:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise LocalClusterError(
            f"running as root, and PostgreSQL refuses to run as root; the account {name!r} to run "
            "it as does not exist. Create it (useradd --system postgres) or set WALLET_PG_USER."
        ) from None
    if entry.pw_uid == 0:
        raise LocalClusterError(f"WALLET_PG_USER={name!r} is root; PostgreSQL refuses to run as it")
    return RunAs(user=name, uid=entry.pw_uid, gid=entry.pw_gid)


def run_pg_tool(
    argv: list[str], run_as: RunAs | None, cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run one server tool with a clean environment (no PG* variables, C locale messages)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env.update(LC_ALL="C", LANG="C")
    if run_as is None:
        return subprocess.run(
            argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    return subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        user=run_as.uid,
        group=run_as.gid,
        extra_groups=[],
    )


def chown_tree(root: Path, run_as: RunAs | None) -> None:
    if run_as is None:
        return
    os.chown(root, run_as.uid, run_as.gid, follow_symlinks=False)
    for parent, dirs, files in os.walk(root):
        for name in dirs + files:
            os.chown(os.path.join(parent, name), run_as.uid, run_as.gid, follow_symlinks=False)


def read_postmaster_pid(data_dir: Path) -> int | None:
    try:
        first_line = (data_dir / "postmaster.pid").read_text().split("\n", 1)[0]
        return int(first_line.strip())
    except (OSError, ValueError):
        return None


def is_postmaster_of(pid: int, data_dir: Path) -> bool:
    """True when ``pid`` is a postgres server started on ``data_dir`` (guards against pid reuse)."""
    try:
        argv = psutil.Process(pid).cmdline()
    except psutil.Error:
        return False
    if not argv or os.path.basename(argv[0]) not in ("postgres", "postmaster"):
        return False
    wanted = {str(data_dir), os.path.realpath(data_dir)}
    return any(arg in wanted for arg in argv[1:])


def stop_postmaster(
    bindir: Path, data_dir: Path, run_as: RunAs | None, known_pid: int | None = None
) -> None:
    """``pg_ctl stop -m immediate`` (the data is throwaway); if that fails, signal the postmaster
    ourselves after checking it really is a postgres process for this data dir."""
    pid = read_postmaster_pid(data_dir) or known_pid
    if pid is None or not process_alive(pid):
        return
    pg_ctl = bindir / "pg_ctl"
    if pg_ctl.exists():
        argv = [str(pg_ctl), "stop", "-D", str(data_dir), "-m", "immediate", "-w"]
        argv += ["-t", str(STOP_TIMEOUT_SECONDS)]
        cwd = data_dir.parent if data_dir.parent.is_dir() else Path("/")
        try:
            result = run_pg_tool(argv, run_as, cwd, timeout=STOP_TIMEOUT_SECONDS + 5)
            if result.returncode != 0:
                logger.warning("pg_ctl stop failed for %s: %s", data_dir, result.stderr.strip())
        except (OSError, subprocess.TimeoutExpired) as error:
            logger.warning("pg_ctl stop failed for %s: %s", data_dir, error)
        if poll_until(lambda: not process_alive(pid), timeout=5, interval=_POLL_SECONDS):
            return
    if not is_postmaster_of(pid, data_dir):
        logger.warning("pid %d is not a postmaster for %s; not signalling it", pid, data_dir)
        return
    # SIGQUIT is what "pg_ctl stop -m immediate" sends: the server still releases its shared
    # memory. SIGKILL is the last resort; it leaves a small shared memory segment behind.
    for sent in (signal.SIGQUIT, signal.SIGKILL):
        logger.warning("sending %s to postmaster %d of %s", sent.name, pid, data_dir)
        try:
            os.kill(pid, sent)
        except ProcessLookupError:
            return
        if poll_until(
            lambda: not process_alive(pid), timeout=STOP_TIMEOUT_SECONDS, interval=_POLL_SECONDS
        ):
            return
    raise LocalClusterError(f"postmaster {pid} of {data_dir} survived SIGKILL")


def remove_tree(path: Path) -> None:
    """Remove a cluster directory; retries briefly because exiting backends may still write."""

    def removed() -> bool:
        try:
            shutil.rmtree(path)
        except FileNotFoundError:
            return True
        except OSError:
            return False
        return True

    if not poll_until(removed, timeout=5, interval=_POLL_SECONDS):
        shutil.rmtree(path)  # once more, and this time its error says why it cannot
