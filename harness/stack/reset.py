"""Back to the seeded state between scenarios, in a few milliseconds.

The profile's ``[database.reset.snapshot]``: at start-up, right after the app's own migrate
and seed, the harness takes a snapshot of the rows the seed left (organisations, logins, API
tokens). A reset then, in one transaction:

1. locks the profile's ``lock_table`` (the job queue, say), so no new work starts, and waits
   (bounded) until its ``busy_sql`` counts nothing in flight that could write after the reset;
2. empties every table of the app's data but those it keeps with one TRUNCATE (identities
   restarted);
3. puts the snapshot back, parents before the children whose foreign keys name them.

The reference app keeps its migration bookkeeping, the webhook endpoint it registered at
start-up (with its signing secret), and the worker's registrations and heartbeats.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass
from graphlib import TopologicalSorter
from typing import Any

import psycopg
from psycopg import sql

from harness.polling import poll_until
from harness.profile.model import SnapshotReset

DRAIN_TIMEOUT = 15.0  # seconds a running job may take to finish before the reset gives up


class ResetFailed(RuntimeError):
    """Something stayed in flight; the message says what."""


@dataclass(frozen=True)
class SeedSnapshot:
    tables: tuple[str, ...]  # every table a reset empties, parents before children
    rows: dict[str, str]  # table -> its seed rows as a JSON array (only tables with rows)

    @classmethod
    def take(cls, conn: psycopg.Connection[Any], keep: Collection[str] = ()) -> SeedSnapshot:
        names = [name for name in _parents_first(conn) if name not in keep]
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
    conn: psycopg.Connection[Any],
    snapshot: SeedSnapshot,
    settings: SnapshotReset,
    *,
    drain: bool = True,
    watch: Callable[[], None] = lambda: None,
) -> None:
    """``drain=False`` when no worker runs: a job marked running then has nobody running it.
    ``watch`` is called on every look and may raise to stop the wait (a worker that died
    mid-job never finishes it: better named at once than a drain timed out)."""
    running = 0

    def emptied() -> bool:
        nonlocal running
        watch()
        with conn.transaction():
            running = _work_in_flight(conn, settings) if drain else 0
            if running:
                return False  # roll back: the lock goes, the worker finishes its job
            _truncate_and_insert(conn, snapshot)
            return True

    if not poll_until(emptied, timeout=DRAIN_TIMEOUT, interval=0.02):
        raise ResetFailed(
            f"{running} job(s) still running after {DRAIN_TIMEOUT:.0f} s: the worker is"
            " stuck, so the next scenario cannot start clean"
        )


def _work_in_flight(conn: psycopg.Connection[Any], settings: SnapshotReset) -> int:
    """Lock the profile's ``lock_table`` (no new work starts until the transaction ends) and
    count, with its ``busy_sql``, the work running now."""
    if settings.lock_table is not None:
        conn.execute(
            sql.SQL("lock table {} in access exclusive mode").format(
                sql.Identifier(settings.lock_table)
            )
        )
    if settings.busy_sql is None:
        return 0
    row = conn.execute(settings.busy_sql.encode()).fetchone()
    return int(row[0]) if row and row[0] else 0


def _parents_first(conn: psycopg.Connection[Any]) -> list[str]:
    """The schema's tables, each after every table its foreign keys name."""
    tables = [
        row[0]
        for row in conn.execute(
            "select tablename from pg_tables where schemaname = 'public' order by tablename"
        ).fetchall()
    ]
    parents: dict[str, set[str]] = {name: set() for name in tables}
    for child, parent in conn.execute(
        "select c.relname, p.relname from pg_constraint k"
        " join pg_class c on c.oid = k.conrelid join pg_class p on p.oid = k.confrelid"
        " join pg_namespace n on n.oid = c.relnamespace"
        " where k.contype = 'f' and n.nspname = 'public'"
    ).fetchall():
        if child in parents and parent != child:
            parents[child].add(parent)
    return list(TopologicalSorter(parents).static_order())


def _truncate_and_insert(conn: psycopg.Connection[Any], snapshot: SeedSnapshot) -> None:
    conn.execute(
        sql.SQL("truncate {} restart identity").format(
            sql.SQL(", ").join(sql.Identifier(name) for name in snapshot.tables)
        )
    )
    for name in snapshot.tables:  # parents before children
        if name not in snapshot.rows:
            continue
        conn.execute(
            # the seed's own ids, identity columns included
            sql.SQL(
                "insert into {table} overriding system value"
                " select * from json_populate_recordset(null::{table}, %s)"
            ).format(table=sql.Identifier(name)),
            (snapshot.rows[name],),
        )
