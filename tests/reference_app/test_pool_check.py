"""The pools' check of a connection they hand out (``reference_app.db.quiet_or_checked``): no
round trip for a connection whose server has said nothing since its last use, an empty query
(which fails) for one the server has ended; against the test's own PostgreSQL."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from reference_app.db import open_pool, quiet_or_checked, quiet_or_checked_async
from tests.backends import end_backend
from tests.reference_app.running import run_on_own_loop

MARK = "select 'the last query before the check'"


def last_query_of(admin: psycopg.Connection[Any], pid: int) -> str:
    row = admin.execute("select query from pg_stat_activity where pid = %s", (pid,)).fetchone()
    assert row is not None
    return str(row[0])


def test_a_quiet_connection_is_handed_out_without_a_round_trip(wallet_ledger_db_url: str) -> None:
    with (
        psycopg.connect(wallet_ledger_db_url, autocommit=True) as admin,
        psycopg.connect(wallet_ledger_db_url, autocommit=True) as conn,
    ):
        conn.execute(MARK)
        quiet_or_checked(conn)
        assert last_query_of(admin, conn.info.backend_pid) == MARK


def test_a_connection_its_server_ended_fails_the_check(wallet_ledger_db_url: str) -> None:
    with psycopg.connect(wallet_ledger_db_url, autocommit=True) as admin:
        conn = psycopg.connect(wallet_ledger_db_url, autocommit=True)
        end_backend(admin, conn.info.backend_pid)
        with pytest.raises(psycopg.OperationalError):
            quiet_or_checked(conn)
        conn.close()
        with pytest.raises(psycopg.OperationalError):
            quiet_or_checked(conn)  # closed: still raises, never hands it out


def test_the_async_check_fails_an_ended_connection_and_passes_a_quiet_one(
    wallet_ledger_db_url: str,
) -> None:
    async def checks(admin: psycopg.Connection[Any]) -> None:
        quiet = await psycopg.AsyncConnection.connect(wallet_ledger_db_url, autocommit=True)
        ended = await psycopg.AsyncConnection.connect(wallet_ledger_db_url, autocommit=True)
        try:
            await quiet.execute(MARK)
            end_backend(admin, ended.info.backend_pid)
            await quiet_or_checked_async(quiet)
            assert last_query_of(admin, quiet.info.backend_pid) == MARK
            with pytest.raises(psycopg.OperationalError):
                await quiet_or_checked_async(ended)
        finally:
            await quiet.close()
            await ended.close()

    with psycopg.connect(wallet_ledger_db_url, autocommit=True) as admin:
        run_on_own_loop(checks(admin))


def test_the_pool_replaces_a_connection_its_server_ended(wallet_ledger_db_url: str) -> None:
    """What a restart does to every connection, done to the pool's only one: the next
    checkout gets a new connection that works, not the dead one."""
    pool = open_pool(wallet_ledger_db_url, min_size=1, max_size=1)
    try:
        with pool.connection() as conn:
            first = conn.info.backend_pid
        with psycopg.connect(wallet_ledger_db_url, autocommit=True) as admin:
            end_backend(admin, first)
        with pool.connection() as conn:
            assert conn.execute("select 1").fetchone() == (1,)
            assert conn.info.backend_pid != first
    finally:
        pool.close()
