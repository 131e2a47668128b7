"""The app's connection pool (psycopg 3). Each connection is checked as it is handed out, so a
database restart costs the requests made while it is down (answered 503, ``web/app.py``), not
every request after it on a dead connection; a request waits at most ``WAIT_SECONDS`` for one.

The check costs a round trip only when it may find something: an idle connection the server
has said anything on (its goodbye when it shuts down, or the socket closed) is asked
``SELECT 1`` and dropped if that fails; one the server has been silent on is handed out as it
is. A round trip on every checkout was a third of the web app's queries.

While the database is down the pool retries its connections with a doubling delay (1, 2, 4 s
...); ``RECONNECT_SECONDS`` ends that round early, so the next request starts a fresh attempt
at once: the app is back within seconds of the database, not after the next doubled delay."""

from __future__ import annotations

import select
from typing import Any

import psycopg
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
        check=check_if_spoken_to,
        timeout=WAIT_SECONDS,
        reconnect_timeout=RECONNECT_SECONDS,
    )
    pool.open(wait=True, timeout=30)
    return pool


def check_if_spoken_to(conn: psycopg.Connection[Any]) -> None:
    """Raise if ``conn`` is dead: at once if psycopg knows it, after ``SELECT 1`` if the server
    sent something while the connection sat idle in the pool (a shutdown's goodbye, an EOF)."""
    if conn.closed or conn.broken:
        raise psycopg.OperationalError("the connection is closed")
    readable, _, _ = select.select([conn.fileno()], [], [], 0)
    if readable:
        ConnectionPool.check_connection(conn)
