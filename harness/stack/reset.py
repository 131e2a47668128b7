"""Back to the seeded state between scenarios, in a few milliseconds.

At start-up, right after the app's own ``migrate --seed``, the harness takes a snapshot of the
rows the seed left (organisations, logins, API tokens). A reset then, in one transaction:

1. locks the job queue, so the worker can take no new job, and waits (bounded) until no job is
   running: nothing is in flight that could write after the reset;
2. empties every table of the app's data with one TRUNCATE (identities restarted);
3. puts the snapshot back.

Kept across resets: the migration bookkeeping, the webhook endpoint the app registered at
start-up (with its signing secret), and the worker's registrations and heartbeats.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from harness.polling import poll_until

KEPT_TABLES = frozenset(
    {
        "_yoyo_log",
        "_yoyo_migration",
        "_yoyo_version",
        "yoyo_lock",
        "stripe_webhook_endpoints",
        "worker_heartbeats",
        "procrastinate_workers",
    }
)
DRAIN_TIMEOUT = 15.0  # seconds a running job may take to finish before the reset gives up
QUEUE_TABLE = "procrastinate_jobs"


class ResetFailed(RuntimeError):
    """Something stayed in flight; the message says what."""


@dataclass(frozen=True)
class SeedSnapshot:
    tables: tuple[str, ...]  # every table a reset empties
    rows: dict[str, str]  # table -> its seed rows as a JSON array (only tables with rows)

    @classmethod
    def take(cls, conn: psycopg.Connection[Any]) -> SeedSnapshot:
        names = [
            row[0]
            for row in conn.execute(
                "select tablename from pg_tables where schemaname = 'public' order by tablename"
            ).fetchall()
            if row[0] not in KEPT_TABLES
        ]
        rows: dict[str, str] = {}
        for name in names:
            found = conn.execute(
                sql.SQL("select coalesce(json_agg(t), '[]') from {} t").format(sql.Identifier(name))
            ).fetchone()
            assert found is not None
            if found[0]:
                rows[name] = json.dumps(found[0])
        return cls(tuple(names), rows)


def empty_and_reseed(
    conn: psycopg.Connection[Any], snapshot: SeedSnapshot, *, drain: bool = True
) -> None:
    """``drain=False`` when no worker runs: a job marked running then has nobody running it."""
    has_queue = QUEUE_TABLE in snapshot.tables
    running = 0

    def emptied() -> bool:
        nonlocal running
        with conn.transaction():
            running = _running_jobs(conn) if has_queue and drain else 0
            if running:
                return False  # roll back: the lock goes, the worker finishes its job
            _truncate_and_insert(conn, snapshot)
            return True

    if not poll_until(emptied, timeout=DRAIN_TIMEOUT, interval=0.02):
        raise ResetFailed(
            f"{running} job(s) still running after {DRAIN_TIMEOUT:.0f} s: the worker is"
            " stuck, so the next scenario cannot start clean"
        )


def _running_jobs(conn: psycopg.Connection[Any]) -> int:
    """Lock the queue (the worker can take no job until the transaction ends) and count the
    jobs a worker is running now."""
    conn.execute(
        sql.SQL("lock table {} in access exclusive mode").format(sql.Identifier(QUEUE_TABLE))
    )
    row = conn.execute("select count(*) from procrastinate_jobs where status = 'doing'").fetchone()
    return int(row[0]) if row else 0


def _truncate_and_insert(conn: psycopg.Connection[Any], snapshot: SeedSnapshot) -> None:
    conn.execute(
        sql.SQL("truncate {} restart identity").format(
            sql.SQL(", ").join(sql.Identifier(name) for name in snapshot.tables)
        )
    )
    # parents before children: organisations before the logins and tokens that name them
    for name in sorted(snapshot.rows, key=lambda table: table != "organizations"):
        conn.execute(
            # the seed's own ids, identity columns included
            sql.SQL(
                "insert into {table} overriding system value"
                " select * from json_populate_recordset(null::{table}, %s)"
            ).format(table=sql.Identifier(name)),
            (snapshot.rows[name],),
        )
