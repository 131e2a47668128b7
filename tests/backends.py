"""Ending a connection's PostgreSQL server process from outside, as a restart does to every
connection: for the tests of what holds connections (the app's pools, the harness's waits)."""

from __future__ import annotations

from typing import Any

import psycopg

from harness.polling import poll_until


def end_backend(admin: psycopg.Connection[Any], pid: int) -> None:
    """``pg_terminate_backend`` the process ``pid`` and wait until it is gone."""
    admin.execute("select pg_terminate_backend(%s)", (pid,))

    def gone() -> bool:
        row = admin.execute("select count(*) from pg_stat_activity where pid = %s", (pid,))
        return row.fetchone() == (0,)

    assert poll_until(gone, timeout=10), f"backend {pid} still there"
