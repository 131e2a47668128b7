"""The ``reconcile_watermark`` table: where the last complete reconciliation sweep started, in
Unix seconds on the app's clock (repository)."""

from __future__ import annotations

from typing import Any

import psycopg


def last_sweep_start(conn: psycopg.Connection[Any]) -> float | None:
    row = conn.execute("select extract(epoch from swept_from) from reconcile_watermark").fetchone()
    return None if row is None else float(row[0])


def record_sweep_start(conn: psycopg.Connection[Any], started: float) -> None:
    """The last to finish wins: two sweeps at once can only move it back, which looks further."""
    conn.execute(
        "insert into reconcile_watermark (swept_from) values (to_timestamp(%s))"
        " on conflict (only_row) do update set swept_from = excluded.swept_from,"
        " updated_at = now()",
        (started,),
    )
