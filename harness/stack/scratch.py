"""Temporary folders that no dead harness run leaves behind.

``OwnedFolder`` is a ``tempfile.TemporaryDirectory`` made under
``<tmp>/wallet-harness-<uid>/folders/`` beside a lock file its process holds (``flock``, which
the kernel drops however the process dies, as for the PostgreSQL clusters and the services).
``sweep_leftover_folders`` removes the folders whose lock is free: their run died before it
could clean up. pytest-playwright's artifacts folder is one (``harness.plugin.browser_fixtures``).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from pathlib import Path

from harness.postgres.cluster_registry import harness_tmp_dir, orphaned, private_dir


def folders_dir() -> Path:
    return private_dir(harness_tmp_dir() / "folders")


ELSEWHERE_PREFIX = "wh-"  # a folder made outside folders_dir(): its name starts so


class OwnedFolder(tempfile.TemporaryDirectory[str]):
    """A temporary folder (``.name``, ``.cleanup()``) the next run removes if this one dies.

    ``short=True`` makes it in the system's temporary directory instead, named
    ``wh-<prefix>...``, its path written in its lock: for a program that puts a Unix socket in
    it (Chromium's ``TMPDIR``), whose path may not exceed 107 bytes."""

    def __init__(self, prefix: str, *, short: bool = False) -> None:
        parent = folders_dir()
        # the lock first, so that a folder is never there without the lock that owns it
        fd, lock = tempfile.mkstemp(prefix=f"{os.getpid()}-", suffix=".lock", dir=parent)
        fcntl.flock(fd, fcntl.LOCK_EX)
        self._fd: int | None = fd
        self._lock = Path(lock)
        if short:
            super().__init__(prefix=f"{ELSEWHERE_PREFIX}{prefix}")
            os.write(fd, self.name.encode())  # where the sweep finds it
        else:
            super().__init__(prefix=f"{self._lock.stem}-{prefix}", dir=parent)

    def cleanup(self) -> None:
        super().cleanup()
        if self._fd is not None:
            self._lock.unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = None


def sweep_leftover_folders(parent: Path | None = None) -> list[str]:
    """Remove the folders of runs that died; what was removed, described."""
    parent = parent or folders_dir()
    removed = []
    for lock in orphaned(sorted(parent.glob("*.lock"))):
        for folder in [*sorted(parent.glob(f"{lock.stem}-*")), *_elsewhere(lock)]:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(f"temporary folder {folder} of a harness run that died")
        lock.unlink(missing_ok=True)
    return removed


def _elsewhere(lock: Path) -> list[Path]:
    """The short folder a lock names, if it is one of ours and still there."""
    try:
        named = Path(lock.read_text(errors="replace").strip())
    except OSError:
        return []
    ours = named.is_absolute() and named.name.startswith(ELSEWHERE_PREFIX)
    return [named] if ours and named.is_dir() else []
