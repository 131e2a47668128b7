"""Records of started throwaway clusters, so a killed run's leftovers are found and stopped.

``pg_ctl`` detaches the server, so a run killed outright (SIGKILL, OOM killer, a CI timeout) would
leave a postmaster and its data directory behind. Each running cluster therefore has a record
file in a private per-uid registry directory; its owner holds an exclusive ``flock`` on that file
for the cluster's whole life. The kernel drops the lock when the owner dies, however it dies, so
``sweep_stale_clusters()`` can tell leftovers (lock free) from live clusters (lock held) without
trusting pids. Sweeping is safe when several processes sweep at once: only the one holding a
record's lock acts on it, and it checks that the file it locked is still the one on disk.

Layout under ``default_tmp_root()`` (``/dev/shm`` on Linux, else the temp directory)::

    wallet-harness-<uid>/          0700, ours; refuses to use it otherwise
        clusters/<id>.json         one record per cluster (JSON), flocked by its owner
        templates/                 cached initdb output (see initdb_template)
    wpg-<id>/                      the cluster itself: data/, server.log, the unix socket
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import secrets
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from harness.postgres.pg_process import (
    LocalClusterError,
    RunAs,
    remove_tree,
    run_as_user,
    stop_postmaster,
)

logger = logging.getLogger("harness.postgres.cluster_registry")

_UNFINISHED_RECORD_SECONDS = 60

_held_lock = threading.Lock()
_held: dict[str, HeldRecord] = {}


@dataclass(frozen=True)
class ClusterRecord:
    """What the next run needs to stop a cluster whose owner died."""

    record_id: str
    base_dir: Path
    bindir: Path
    run_as_user: str | None
    owner_pid: int
    created: float
    port: int | None = None
    postmaster_pid: int | None = None

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    def to_json(self) -> bytes:
        fields: dict[str, Any] = asdict(self)
        fields.update(base_dir=str(self.base_dir), bindir=str(self.bindir))
        fields["data_dir"] = str(self.data_dir)
        return json.dumps(fields, indent=1).encode()

    @classmethod
    def from_json(cls, record_id: str, raw: bytes, tmp_root: Path) -> ClusterRecord:
        """Parse a record; a torn write (owner killed mid-update) still yields the base dir,
        which is derived from the record id."""
        try:
            fields = json.loads(raw)
            return cls(
                record_id=record_id,
                base_dir=Path(fields["base_dir"]),
                bindir=Path(fields["bindir"]),
                run_as_user=fields["run_as_user"],
                owner_pid=int(fields["owner_pid"]),
                created=float(fields["created"]),
                port=fields.get("port"),
                postmaster_pid=fields.get("postmaster_pid"),
            )
        except (ValueError, KeyError, TypeError):
            return cls(record_id, cluster_base_dir(record_id, tmp_root), Path(), None, 0, 0.0)


class HeldRecord:
    """A record this process owns: the flocked file stays open until ``release``."""

    def __init__(self, path: Path, fd: int, record: ClusterRecord) -> None:
        self.path = path
        self.record = record
        self._fd = fd

    def update(self, *, port: int, postmaster_pid: int) -> None:
        self.record = replace(self.record, port=port, postmaster_pid=postmaster_pid)
        _write(self._fd, self.record)

    def release(self, *, forget: bool) -> None:
        """Close the record. ``forget=True`` after a complete cleanup deletes it; otherwise it
        stays (unlocked) for the next sweep."""
        with _held_lock:
            _held.pop(self.record.record_id, None)
        if forget:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
        os.close(self._fd)


TMP_ROOT_ENV = "WALLET_PG_TMPDIR"
MEMORY_FS = Path("/dev/shm")  # noqa: S108  (we only use a private 0700 subdirectory of it)
MEMORY_FS_MIN_FREE_BYTES = 1 << 30


def default_tmp_root(environ: Mapping[str, str] | None = None) -> Path:
    """Where throwaway clusters live: ``WALLET_PG_TMPDIR``; else ``TMPDIR`` when set; else
    ``/dev/shm`` when it is a writable memory file system with 1 GiB free (initdb, cluster
    copies and CREATE DATABASE run several times faster than on a slow disk, and a throwaway
    cluster needs no disk); else the system temp directory."""
    env = os.environ if environ is None else environ
    for name in (TMP_ROOT_ENV, "TMPDIR"):
        if value := env.get(name):
            return Path(value)
    try:
        if (
            MEMORY_FS.is_dir()
            and os.access(MEMORY_FS, os.W_OK | os.X_OK)
            and shutil.disk_usage(MEMORY_FS).free >= MEMORY_FS_MIN_FREE_BYTES
        ):
            return MEMORY_FS
    except OSError:
        pass
    return Path(tempfile.gettempdir())


def harness_tmp_dir(tmp_root: Path | None = None) -> Path:
    """``<tmp>/wallet-harness-<uid>``: private (0700, ours), created on first use."""
    root = Path(tmp_root or default_tmp_root())
    return private_dir(root / f"wallet-harness-{os.geteuid()}")


def registry_dir(tmp_root: Path | None = None) -> Path:
    return private_dir(harness_tmp_dir(tmp_root) / "clusters")


def cluster_base_dir(record_id: str, tmp_root: Path) -> Path:
    return tmp_root / f"wpg-{record_id}"


def claim_record(
    tmp_root: Path, bindir: Path, run_as: RunAs | None, registry: Path | None = None
) -> HeldRecord:
    """Create and lock the record of a cluster about to start, before its directory exists.

    The file is written and locked under a dot-name first and only then linked to its final
    name, so a sweeper never sees an unlocked record of a live owner."""
    registry = registry or registry_dir(tmp_root)
    while True:
        record_id = secrets.token_hex(6)
        record = ClusterRecord(
            record_id=record_id,
            base_dir=cluster_base_dir(record_id, tmp_root),
            bindir=bindir,
            run_as_user=run_as.user if run_as else None,
            owner_pid=os.getpid(),
            created=time.time(),
        )
        unfinished = registry / f".{record_id}.tmp"
        final = registry / f"{record_id}.json"
        fd = os.open(unfinished, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            _write(fd, record)
            os.link(unfinished, final)
        except FileExistsError:
            os.close(fd)
            continue
        except BaseException:
            os.close(fd)
            raise
        finally:
            with contextlib.suppress(FileNotFoundError):
                unfinished.unlink()
        held = HeldRecord(final, fd, record)
        with _held_lock:
            _held[record_id] = held
        return held


def live_clusters_of_this_process() -> list[ClusterRecord]:
    """Clusters started by this process and not yet cleaned up (for a session-end check)."""
    with _held_lock:
        return [held.record for held in _held.values() if held.record.owner_pid == os.getpid()]


def sweep_stale_clusters(registry: Path | None = None) -> list[ClusterRecord]:
    """Stop and remove every cluster whose owner process is gone; return what was swept.

    Records whose lock is held belong to live owners and are left alone."""
    registry = registry or registry_dir()
    tmp_root = registry.parent.parent
    swept = []
    for path in sorted(registry.iterdir()):
        if path.name.startswith("."):
            _remove_abandoned_unfinished(path)
        elif path.suffix == ".json":
            record = _sweep_one(path, tmp_root)
            if record is not None:
                swept.append(record)
    return swept


def _sweep_one(path: Path, tmp_root: Path) -> ClusterRecord | None:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return None  # another sweeper finished it
    try:
        if not try_lock(fd) or not still_linked_at(fd, path):
            return None
        record = ClusterRecord.from_json(path.stem, _read(fd), tmp_root)
        logger.info(
            "sweeping cluster %s left by dead process %d (%s)",
            record.record_id,
            record.owner_pid,
            record.base_dir,
        )
        try:
            run_as = run_as_user(record.run_as_user) if record.run_as_user else None
            if os.geteuid() != 0:
                run_as = None
            stop_postmaster(record.bindir, record.data_dir, run_as, record.postmaster_pid)
            remove_tree(record.base_dir)
        except (OSError, LocalClusterError) as error:
            logger.warning("could not sweep %s: %s", record.base_dir, error)
            return None
        path.unlink()
        return record
    finally:
        os.close(fd)


def _remove_abandoned_unfinished(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        old = time.time() - os.fstat(fd).st_mtime > _UNFINISHED_RECORD_SECONDS
        if old and try_lock(fd) and still_linked_at(fd, path):
            path.unlink()
    finally:
        os.close(fd)


def try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as error:
        if error.errno in (errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def orphaned(paths: Iterable[Path]) -> Iterator[Path]:
    """Each record file whose owner has died (its lock is free), held locked by this process
    while the caller acts on it; one another sweep took meanwhile is passed over."""
    for path in paths:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:  # its owner removed it meanwhile
            continue
        try:
            if try_lock(fd) and still_linked_at(fd, path):
                yield path
        finally:
            os.close(fd)


def still_linked_at(fd: int, path: Path) -> bool:
    """After locking, make sure no other sweeper already removed (or replaced) the file."""
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (on_disk.st_dev, on_disk.st_ino) and mine.st_nlink > 0


def _write(fd: int, record: ClusterRecord) -> None:
    data = record.to_json()
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


def _read(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    return os.pread(fd, size, 0)


def private_dir(path: Path) -> Path:
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o700)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        raise LocalClusterError(
            f"{path} must be a directory owned by uid {os.geteuid()} with mode 0700; "
            "remove it or set TMPDIR elsewhere"
        )
    return path
