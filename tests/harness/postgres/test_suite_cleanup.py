"""A whole pytest run, as CI runs it, leaves no server process and no directory behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.postgres.cluster_registry import registry_dir, sweep_stale_clusters
from tests.harness.postgres.test_local_cluster import postmasters_for

pytestmark = pytest.mark.slow

INNER_TESTS = textwrap.dedent(
    """
    import psycopg

    def test_empty_database(wallet_db_url):
        with psycopg.connect(wallet_db_url) as conn:
            assert conn.execute("select 1").fetchone() == (1,)

    def test_ledger_database(wallet_ledger_db_url):
        with psycopg.connect(wallet_ledger_db_url) as conn:
            assert conn.execute("select count(*) from organizations").fetchone() == (2,)

    def test_a_crashing_test(wallet_db_url):
        raise RuntimeError("a test that crashes must not leak the server either")
    """
)


@pytest.fixture
def private_tmp() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="wh-suite-"))
    path.chmod(0o755)  # the unprivileged server account must reach its cluster inside
    yield path
    sweep_stale_clusters(registry_dir(path))
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist-2"])
def test_a_pytest_run_leaves_no_postgres_process_or_directory(
    private_tmp: Path, tmp_path: Path, workers: list[str]
) -> None:
    (tmp_path / "test_inner.py").write_text(INNER_TESTS)
    env = {**os.environ, "WALLET_PG_TMPDIR": str(private_tmp)}
    env.pop("WALLET_TEST_DATABASE_URL", None)

    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *workers, "test_inner.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert "1 failed, 2 passed" in run.stdout, run.stdout + run.stderr
    leftovers = sorted(path.name for path in private_tmp.glob("wpg-*"))
    assert leftovers == [], "cluster directories left behind"
    assert list(registry_dir(private_tmp).glob("*.json")) == [], "cluster records left behind"
    assert postmasters_for(private_tmp) == []
