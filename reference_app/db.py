"""The app's connection pools (psycopg 3). Each connection is checked as it is handed out, so a
database restart costs the requests made while it is down (answered 503, ``web/app.py``), not
every request after it on a dead connection; a request waits at most ``WAIT_SECONDS`` for one.

The check costs a round trip only where something may be wrong (``quiet_or_checked``): an idle
connection is told nothing by its server, and a server that ends one (a restart among others)
says so or closes it, either of which makes its socket readable. A connection whose socket is
quiet is handed out as it is; one whose socket has something to read is checked with an empty
query, which fails for a dead connection and has the pool open another. An empty query on
every checkout was half the round trips of a job whose session was already credited
(``bench/README.md``, round 8).

While the database is down the pool retries its connections with a doubling delay (1, 2, 4 s
...); ``RECONNECT_SECONDS`` ends that round early, so the next request starts a fresh attempt
at once: the app is back within seconds of the database, not after the next doubled delay."""

from __future__ import annotations

import select
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, ConnectionPool

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
        check=quiet_or_checked,
        timeout=WAIT_SECONDS,
        reconnect_timeout=RECONNECT_SECONDS,
    )
    pool.open(wait=True, timeout=30)
    return pool


def quiet_or_checked(conn: psycopg.Connection[Any]) -> None:
    """The sync pools' check: raises for a connection that is closed or, having heard from
    its server while idle, fails an empty query."""
    if _heard_while_idle(conn):
        ConnectionPool.check_connection(conn)


async def quiet_or_checked_async(conn: psycopg.AsyncConnection[Any]) -> None:
    """The same check for an async pool (the job queue's)."""
    if _heard_while_idle(conn):
        await AsyncConnectionPool.check_connection(conn)


def _heard_while_idle(conn: psycopg.Connection[Any] | psycopg.AsyncConnection[Any]) -> bool:
    """True when the connection is closed or its socket has something to read."""
    if conn.closed:
        return True  # the check's query raises, naming it
    poller = select.poll()
    poller.register(conn.pgconn.socket, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))
