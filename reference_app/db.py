"""The app's connection pool (psycopg 3)."""

from __future__ import annotations

from typing import Any

from psycopg_pool import ConnectionPool


def open_pool(database_url: str, *, min_size: int = 2, max_size: int = 10) -> ConnectionPool[Any]:
    pool: ConnectionPool[Any] = ConnectionPool(
        database_url,
        min_size=min_size,
        max_size=max_size,
        kwargs={"autocommit": True},
        open=False,
        name="wallet",
    )
    pool.open(wait=True, timeout=30)
    return pool
