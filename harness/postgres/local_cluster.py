"""A throwaway PostgreSQL cluster from the local server binaries (initdb + pg_ctl).

This is the path CI and a plain developer machine take: no Docker, no server to configure. The
cluster lives in ``<tmp>/wpg-<id>``, listens on a free loopback port with durability switched
off, is stopped with ``pg_ctl stop -m immediate`` and its directory removed when the ``with``
block exits, including on Ctrl-C, SIGTERM and exceptions. A run killed outright leaves a record
behind that the next run's ``sweep_stale_clusters()`` acts on (see ``cluster_registry``).
"""

from __future__ import annotations

import glob
import logging
import os
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from harness.ports import free_port
from harness.postgres.cluster_registry import (
    HeldRecord,
    claim_record,
    default_tmp_root,
    registry_dir,
    sweep_stale_clusters,
)
from harness.postgres.initdb_template import create_data_dir
from harness.postgres.pg_process import (
    LocalClusterError,
    RunAs,
    read_postmaster_pid,
    remove_tree,
    run_as_for_current_user,
    run_pg_tool,
    stop_postmaster,
)
from harness.postgres.termination import sigterm_unwinds

logger = logging.getLogger("harness.postgres.local_cluster")

# Sized for the app's connection pools in several pytest-xdist workers plus the 50-way
# concurrent top-up test, with headroom; the default 100 runs out under that load.
MAX_CONNECTIONS = 300
# A throwaway cluster's settings, however it is started: durability off (nothing in it outlives
# the run), and statistics kept fresh within a second of a burst rather than a minute. A job
# queue in a table is where that shows: a webhook burst queues thousands of jobs in seconds,
# and a planner that still believes almost none are waiting sorts every waiting job to fetch
# each one (a fetch took 6 ms with 3,000 queued, 0.14 ms once analysed; bench/README.md, round 10)
THROWAWAY_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "autovacuum_naptime": "1s",
    # shared memory segments as files in the data directory, removed with it, rather than in
    # /dev/shm, where a server killed outright (an OOM killer, a test of it) left 1 MB each
    "dynamic_shared_memory_type": "mmap",
}
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    **THROWAWAY_SETTINGS,
    "max_connections": str(MAX_CONNECTIONS),
    # a connection that never finishes its start-up holds a fast shutdown back this long
    "authentication_timeout": "5s",
}
START_TIMEOUT_SECONDS = 30
PORT_ATTEMPTS = 5
_SOCKET_PATH_LIMIT = 100  # sun_path is 108 bytes on Linux, 104 on macOS
_PORT_TAKEN_MARKERS = ("Address already in use", "could not create any TCP/IP sockets")
SERVER_TOOLS = ("initdb", "pg_ctl", "postgres")
BINDIR_GLOBS = (
    "/usr/lib/postgresql/*/bin",
    "/usr/local/pgsql/bin",
    "/usr/pgsql-*/bin",
    "/opt/homebrew/opt/postgresql@*/bin",
    "/usr/local/opt/postgresql@*/bin",
    "/opt/homebrew/opt/postgresql/bin",
    "/usr/local/opt/postgresql/bin",
)


@dataclass(frozen=True)
class LocalCluster:
    """A running throwaway cluster; the superuser ``postgres`` connects without a password."""

    base_dir: Path
    bindir: Path
    port: int
    postmaster_pid: int
    run_as: RunAs | None
    startup_seconds: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"


def find_postgres_bindir(
    environ: Mapping[str, str] | None = None, globs: Sequence[str] = BINDIR_GLOBS
) -> Path | None:
    """The directory holding initdb, pg_ctl and postgres: ``WALLET_PG_BINDIR``, then
    ``pg_config --bindir``, then ``initdb`` on PATH, then well-known install locations (highest
    version first). None when there is none."""
    env = os.environ if environ is None else environ
    if explicit := env.get("WALLET_PG_BINDIR"):
        if has_server_tools(Path(explicit)):
            return Path(explicit)
        logger.warning("WALLET_PG_BINDIR=%s lacks one of %s; ignoring it", explicit, SERVER_TOOLS)
    path_value = env.get("PATH", os.defpath)
    pg_config = shutil.which("pg_config", path=path_value)
    if pg_config and (bindir := _pg_config_bindir(pg_config)) and has_server_tools(bindir):
        return bindir
    initdb = shutil.which("initdb", path=path_value)
    if initdb and has_server_tools(Path(initdb).parent):
        return Path(initdb).parent
    for pattern in globs:
        for candidate in sorted(glob.glob(pattern), key=_version_key, reverse=True):
            if has_server_tools(Path(candidate)):
                return Path(candidate)
    return None


def has_server_tools(bindir: Path) -> bool:
    return all(
        (bindir / tool).is_file() and os.access(bindir / tool, os.X_OK) for tool in SERVER_TOOLS
    )


def _pg_config_bindir(pg_config: str) -> Path | None:
    try:
        result = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    output = result.stdout.strip()
    return Path(output) if result.returncode == 0 and output else None


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(number) for number in re.findall(r"\d+", path))


@contextmanager
def local_cluster(
    bindir: Path | None = None,
    *,
    tmp_root: Path | None = None,
    use_template_cache: bool = True,
) -> Iterator[LocalCluster]:
    """Start a throwaway cluster; stop it and delete its directory when the block exits."""
    bindir = bindir or find_postgres_bindir()
    if bindir is None:
        raise LocalClusterError("no PostgreSQL server binaries found (set WALLET_PG_BINDIR)")
    root = Path(tmp_root or default_tmp_root())
    run_as = run_as_for_current_user()
    sweep_stale_clusters(registry_dir(root))
    owner_pid = os.getpid()
    with sigterm_unwinds():
        held = claim_record(root, bindir, run_as)
        complete_cleanup = False
        try:
            cluster = _start(held, bindir, run_as, root, use_template_cache)
            yield cluster
        finally:
            if os.getpid() == owner_pid:  # a forked child must not stop its parent's cluster
                try:
                    stop_postmaster(
                        bindir, held.record.data_dir, run_as, held.record.postmaster_pid
                    )
                    remove_tree(held.record.base_dir)
                    complete_cleanup = True
                    logger.info("stopped and removed cluster %s", held.record.base_dir)
                finally:
                    held.release(forget=complete_cleanup)


def _start(
    held: HeldRecord, bindir: Path, run_as: RunAs | None, root: Path, use_template_cache: bool
) -> LocalCluster:
    timings: dict[str, float] = {}
    base_dir = held.record.base_dir
    started = time.perf_counter()
    os.mkdir(base_dir, 0o700)
    if run_as is not None:
        os.chown(base_dir, run_as.uid, run_as.gid)
    how = create_data_dir(
        base_dir / "data", bindir, run_as, tmp_root=root, use_template_cache=use_template_cache
    )
    timings[how] = time.perf_counter() - started
    started = time.perf_counter()
    port = _start_server(base_dir, bindir, run_as)
    timings["pg_ctl start"] = time.perf_counter() - started
    pid = read_postmaster_pid(base_dir / "data")
    if pid is None:
        raise LocalClusterError(f"server started but {base_dir}/data/postmaster.pid is unreadable")
    held.update(port=port, postmaster_pid=pid)
    logger.info(
        "started throwaway PostgreSQL cluster on 127.0.0.1:%d in %s (%s) as %s",
        port,
        base_dir,
        ", ".join(f"{step} {seconds:.2f} s" for step, seconds in timings.items()),
        run_as.user if run_as else "the current user",
    )
    return LocalCluster(base_dir, bindir, port, pid, run_as, timings)


def _start_server(base_dir: Path, bindir: Path, run_as: RunAs | None) -> int:
    """``pg_ctl start -w`` on a free loopback port; retries with another port when a parallel
    run grabbed the one we picked between our probe and the server's bind."""
    log_file = base_dir / "server.log"
    attempt = 0
    while True:
        attempt += 1
        port = free_port()
        log_offset = log_file.stat().st_size if log_file.exists() else 0
        argv = [str(bindir / "pg_ctl"), "start", "-D", str(base_dir / "data"), "-l", str(log_file)]
        argv += ["-w", "-t", str(START_TIMEOUT_SECONDS), "-o", _server_options(base_dir, port)]
        result = run_pg_tool(argv, run_as, cwd=base_dir, timeout=START_TIMEOUT_SECONDS + 10)
        if result.returncode == 0:
            return port
        log_tail = _read_from(log_file, log_offset)
        if attempt < PORT_ATTEMPTS and any(m in log_tail for m in _PORT_TAKEN_MARKERS):
            logger.info("port %d was taken before the server bound it; retrying", port)
            continue
        raise LocalClusterError(
            f"pg_ctl start failed (exit {result.returncode}): {result.stderr.strip()}\n"
            f"server log:\n{log_tail[-4000:]}"
        )


def restart_server(cluster: LocalCluster) -> None:
    """``pg_ctl restart -m fast``: every connection is cut, what was committed is kept, and the
    server comes back on the same port (its options are kept in ``postmaster.opts``), as an
    operator's restart does. (A half-open connection holds the shutdown back for at most
    ``authentication_timeout``.)"""
    argv = [str(cluster.bindir / "pg_ctl"), "restart", "-m", "fast", "-w"]
    argv += ["-t", str(START_TIMEOUT_SECONDS), "-D", str(cluster.data_dir)]
    argv += ["-l", str(cluster.base_dir / "server.log")]
    result = run_pg_tool(
        argv, cluster.run_as, cwd=cluster.base_dir, timeout=START_TIMEOUT_SECONDS + 10
    )
    if result.returncode != 0:
        raise LocalClusterError(
            f"pg_ctl restart failed (exit {result.returncode}): {result.stderr.strip()}"
        )


def _server_options(base_dir: Path, port: int) -> str:
    """The ``-o`` string; pg_ctl hands it to /bin/sh, hence the quoting."""
    socket_dir = str(base_dir)
    if len(socket_dir) + len("/.s.PGSQL.65535") > _SOCKET_PATH_LIMIT:
        socket_dir = ""  # too long for a unix socket path; TCP only
    settings = {**SERVER_SETTINGS, "unix_socket_directories": socket_dir}
    options = ["-p", str(port)]
    for name, value in settings.items():
        options += ["-c", f"{name}={value}"]
    return shlex.join(options)


def _read_from(path: Path, offset: int) -> str:
    try:
        with path.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")
    except OSError:
        return ""
