"""The app's connection pool (psycopg 3). Each connection is checked as it is handed out, so a
database restart costs the requests made while it is down (answered 503, ``web/app.py``), not
every request after it on a dead connection; a request waits at most ``WAIT_SECONDS`` for one.

While the database is down the pool retries its connections with a doubling delay (1, 2, 4 s
...); ``RECONNECT_SECONDS`` ends that round early, so the next request starts a fresh attempt
at once: the app is back within seconds of the database, not after the next doubled delay."""

from __future__ import annotations

from typing import Any

from psycopg_pool import ConnectionPool

WAIT_SECONDS = 5.0
RECONNECT_SECONDS = 3.0


def open_pool(database_url: str, *, min_size: int = 2, max_size: int = 10) -> ConnectionPool[Any]:
    pool: ConnectionPool[Any] = ConnectionPool(
        database_url,
        min_size=min_size,
        max_size=max_size,
        kwargs={"autocommit": True},
        open=False,
        name="wallet",
        check=ConnectionPool.check_connection,
        timeout=WAIT_SECONDS,
        reconnect_timeout=RECONNECT_SECONDS,
    )
    pool.open(wait=True, timeout=30)
    return pool
