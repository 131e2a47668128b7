"""Cold start of the throwaway PostgreSQL cluster, and the cost of one more fresh database.

Cold start = from nothing to "a fresh database on a new cluster accepts a query": initdb (or a
copy of the cached initdb output), pg_ctl start, CREATE DATABASE, connect, SELECT 1. Printed
for each run with median, min and max; never asserts on time.

    python bench/postgres_cold_start.py [--runs 5] [--creates 20] [--tmp-root DIR]

Everything happens under a private directory inside --tmp-root (default: where the harness
puts its clusters: /dev/shm on Linux when it has room, else the temp dir), so the
first cached run really starts with an empty template cache and nothing is left behind.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from harness.postgres.cluster_registry import default_tmp_root, registry_dir, sweep_stale_clusters
from harness.postgres.local_cluster import find_postgres_bindir, local_cluster
from harness.postgres.server import PostgresServer


def cold_start(bindir: Path, tmp_root: Path, use_cache: bool) -> tuple[float, float, str]:
    """Seconds to a fresh database answering, seconds to stop and remove, and the phases."""
    started = time.perf_counter()
    with local_cluster(bindir, tmp_root=tmp_root, use_template_cache=use_cache) as cluster:
        url = PostgresServer("local-binaries", cluster.admin_url).create_database()
        with psycopg.connect(url) as connection:
            connection.execute("SELECT 1").fetchone()
        ready = time.perf_counter() - started
        phases = ", ".join(f"{k} {v:.2f}" for k, v in cluster.startup_seconds.items())
        stopping = time.perf_counter()
    return ready, time.perf_counter() - stopping, phases


def series(title: str, runs: int, measure: Callable[[], tuple[float, float, str]]) -> None:
    print(f"\n{title}")
    ready_times, stop_times = [], []
    for run in range(1, runs + 1):
        ready, stop, phases = measure()
        ready_times.append(ready)
        stop_times.append(stop)
        print(
            f"  run {run}: {ready:.3f} s to a fresh database ({phases}); stop+remove {stop:.3f} s"
        )
    summarise("cold start", ready_times)
    summarise("stop+remove", stop_times)


def summarise(label: str, values: list[float]) -> None:
    print(
        f"  {label}: median {statistics.median(values):.3f} s, "
        f"min {min(values):.3f} s, max {max(values):.3f} s (n={len(values)})"
    )


def extra_databases(bindir: Path, tmp_root: Path, count: int) -> None:
    print(f"\nOne more fresh database on a running cluster ({count} times)")
    with local_cluster(bindir, tmp_root=tmp_root) as cluster:
        server = PostgresServer("local-binaries", cluster.admin_url)
        create_times, drop_times = [], []
        for _ in range(count):
            started = time.perf_counter()
            url = server.create_database()
            with psycopg.connect(url) as connection:
                connection.execute("SELECT 1").fetchone()
            create_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            server.drop_database(url)
            drop_times.append(time.perf_counter() - started)
    summarise("create + first query", create_times)
    summarise("drop (WITH FORCE)", drop_times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--creates", type=int, default=20)
    parser.add_argument(
        "--tmp-root",
        type=Path,
        default=default_tmp_root(),
        help="default: where the harness puts clusters",
    )
    args = parser.parse_args()

    bindir = find_postgres_bindir()
    if bindir is None:
        raise SystemExit(
            "no PostgreSQL server binaries found (install postgresql or set WALLET_PG_BINDIR)"
        )
    version = subprocess.run(
        [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    private_root = Path(tempfile.mkdtemp(prefix="wh-bench-", dir=args.tmp_root))
    private_root.chmod(0o755)  # the unprivileged server account must reach its clusters inside
    print(f"{version} from {bindir}; clusters under {private_root}")
    try:
        series(
            "Cold start, initdb every time (template cache off)",
            args.runs,
            lambda: cold_start(bindir, private_root, use_cache=False),
        )
        series(
            "Cold start, first run fills the initdb template cache, later runs copy it",
            args.runs,
            lambda: cold_start(bindir, private_root, use_cache=True),
        )
        extra_databases(bindir, private_root, args.creates)
    finally:
        sweep_stale_clusters(registry_dir(private_root))
        shutil.rmtree(private_root, ignore_errors=True)


if __name__ == "__main__":
    main()
