"""A cached ``initdb`` output, copied instead of re-running initdb for every cluster.

initdb dominates a throwaway cluster's cold start. Measured on the CI machine (bench/
postgres_cold_start.py): initdb 1.0-1.4 s vs copying its 40 MB output 0.55-0.85 s with /tmp on
disk, and 0.55 s vs 0.09 s with the temp dir on tmpfs. The cache lives in the private per-uid
directory (``wallet-harness-<uid>/templates``), keyed by the server binary (path, size, mtime),
the initdb arguments and the account the server runs as, so an upgrade or a different account
gets a fresh template. It is filled with an atomic directory rename, so concurrent runs either
see a complete template or none, and the loser of a race just discards its copy.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import secrets
import shutil
import time
from pathlib import Path

from harness.postgres.cluster_registry import harness_tmp_dir
from harness.postgres.pg_process import (
    LocalClusterError,
    RunAs,
    chown_tree,
    remove_tree,
    run_pg_tool,
)

logger = logging.getLogger("harness.postgres.local_cluster")

INITDB_ARGUMENTS = ("-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
_ABANDONED_STAGING_SECONDS = 600


def create_data_dir(
    data_dir: Path,
    bindir: Path,
    run_as: RunAs | None,
    *,
    tmp_root: Path,
    use_template_cache: bool = True,
) -> str:
    """Fill ``data_dir`` (which must not exist) with a fresh cluster; return how: "template
    copy" or "initdb"."""
    if not use_template_cache:
        run_initdb(data_dir, bindir, run_as)
        return "initdb"
    templates = _templates_dir(tmp_root)
    template = templates / _template_key(bindir, run_as)
    if template.is_dir():
        shutil.copytree(template, data_dir, symlinks=True)
        chown_tree(data_dir, run_as)
        return "template copy"
    run_initdb(data_dir, bindir, run_as)
    _publish_template(data_dir, templates, template)
    return "initdb"


def run_initdb(data_dir: Path, bindir: Path, run_as: RunAs | None) -> None:
    argv = [str(bindir / "initdb"), "-D", str(data_dir), *INITDB_ARGUMENTS]
    result = run_pg_tool(argv, run_as, cwd=data_dir.parent)
    if result.returncode != 0:
        raise LocalClusterError(
            f"initdb failed (exit {result.returncode}): {result.stderr.strip() or result.stdout}"
        )


def _publish_template(data_dir: Path, templates: Path, template: Path) -> None:
    staging = templates / f".staging-{secrets.token_hex(6)}"
    try:
        shutil.copytree(data_dir, staging, symlinks=True)
        os.rename(staging, template)
        logger.info("cached initdb output as %s", template)
    except OSError:
        # Another run published the same template first (rename onto a non-empty directory
        # fails), or the copy failed: the cache is an optimisation, never an error.
        remove_tree(staging)


def _templates_dir(tmp_root: Path) -> Path:
    templates = harness_tmp_dir(tmp_root) / "templates"
    with contextlib.suppress(FileExistsError):
        os.mkdir(templates, 0o700)
    for entry in templates.glob(".staging-*"):
        with contextlib.suppress(OSError):
            if time.time() - entry.stat().st_mtime > _ABANDONED_STAGING_SECONDS:
                remove_tree(entry)
    return templates


def _template_key(bindir: Path, run_as: RunAs | None) -> str:
    server = Path(os.path.realpath(bindir / "postgres"))
    info = server.stat()
    parts = [str(server), str(info.st_size), str(info.st_mtime_ns), *INITDB_ARGUMENTS]
    parts.append(run_as.user if run_as else f"uid {os.geteuid()}")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]
