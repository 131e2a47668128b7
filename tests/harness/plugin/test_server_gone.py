"""A session whose PostgreSQL server is killed stops at the first test that fails on it, and
says why, where each later test used to fail its set-up on the same refused connection."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.postgres.server import DATABASE_URL_ENV

KILLS_ITS_SERVER = textwrap.dedent(
    """
    import os
    import signal
    from pathlib import Path

    import psycopg


    def test_kills_the_server(wallet_postgres):
        with psycopg.connect(wallet_postgres.admin_url, autocommit=True) as conn:
            data = conn.execute("show data_directory").fetchone()[0]
        postmaster = int((Path(data) / "postmaster.pid").read_text().split()[0])
        os.kill(postmaster, signal.SIGKILL)  # an OOM killer, say


    def test_needs_a_database(wallet_db_url):
        pass


    def test_never_reached(wallet_db_url):
        pass
    """
)


@pytest.mark.slow  # a throwaway cluster, and the grace a restart would need
def test_a_server_gone_for_good_stops_the_session_saying_so(tmp_path: Path) -> None:
    (tmp_path / "test_server_killed.py").write_text(KILLS_ITS_SERVER)
    env = {key: value for key, value in os.environ.items() if key != DATABASE_URL_ENV}

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-v"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=180,
        check=False,
    )

    out = done.stdout + done.stderr
    assert done.returncode == 2, out  # pytest's "interrupted"
    assert "test_kills_the_server PASSED" in out
    assert "test_needs_a_database ERROR" in out
    assert "test_never_reached" not in out  # the session stopped before it
    assert "Interrupted: the PostgreSQL server at postgresql://" in out
    assert "stopped answering (for 15 s: connection failed: connection to server at" in out
    assert "Connection refused Is the server running on that host" in out
    assert "every test after this one would fail on it" in out
    assert "1 passed, 1 error" in out
