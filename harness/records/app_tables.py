"""Read-only views of the app's own records of a top-up: the ``topups`` row, the event inbox,
the job queue, rejected webhooks. For assertions and for the diagnosis; never written to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, LiteralString, TypeVar

import psycopg
from psycopg.rows import class_row

R = TypeVar("R")


@dataclass(frozen=True)
class TopupRecord:
    checkout_session_id: str
    org_id: str
    amount_pence: int
    status: str  # created | awaiting_payment | credited | failed | expired
    fulfilled_by: str | None  # webhook | landing | reconcile
    stripe_payment_intent_id: str | None
    failure_reason: str | None


@dataclass(frozen=True)
class InboxEvent:
    event_id: str
    event_type: str
    status: str  # queued | processed | ignored | failed
    attempts: int
    last_stage: str | None
    last_error: str | None


@dataclass(frozen=True)
class Job:
    id: int
    status: str  # todo | doing | succeeded | failed | cancelled | aborted
    attempts: int
    event_id: str | None


def topup(conn: psycopg.Connection[Any], session_id: str) -> TopupRecord | None:
    with conn.cursor(row_factory=class_row(TopupRecord)) as cur:
        return cur.execute(
            "select checkout_session_id, org_id::text as org_id, amount_pence, status,"
            " fulfilled_by, stripe_payment_intent_id, failure_reason"
            " from topups where checkout_session_id = %s",
            (session_id,),
        ).fetchone()


_INBOX = (
    "select event_id, event_type, status, attempts, last_stage, last_error from stripe_event_inbox"
)


def _rows(
    conn: psycopg.Connection[Any],
    row: type[R],
    query: LiteralString,
    params: tuple[object, ...] | None = None,
) -> list[R]:
    """What ``query`` selects, a ``row`` for each (its columns named as the row's fields)."""
    with conn.cursor(row_factory=class_row(row)) as cur:
        return cur.execute(query, params).fetchall()


def inbox_events(conn: psycopg.Connection[Any], session_id: str) -> list[InboxEvent]:
    return _rows(
        conn,
        InboxEvent,
        _INBOX + " where object_id = %s order by received_at, event_id",
        (session_id,),
    )


def jobs_for_events(conn: psycopg.Connection[Any], event_ids: list[str]) -> list[Job]:
    """The queue's jobs whose arguments name one of these events."""
    if not event_ids:
        return []
    return _rows(
        conn,
        Job,
        "select id, status::text as status, attempts, args->>'event_id' as event_id"
        " from procrastinate_jobs where args->>'event_id' = any(%s) order by id",
        (event_ids,),
    )


def unfinished_job_count(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute(
        "select count(*) from procrastinate_jobs where status in ('todo', 'doing')"
    ).fetchone()
    return int(row[0]) if row else 0


def rejections(conn: psycopg.Connection[Any]) -> list[str]:
    """Why the webhook endpoint refused deliveries, oldest first."""
    rows = conn.execute("select reason from webhook_rejections order by id").fetchall()
    return [str(row[0]) for row in rows]


@dataclass(frozen=True)
class Rejection:
    event_id: str | None  # None when the body named no event
    reason: str


def rejected_deliveries(conn: psycopg.Connection[Any]) -> list[Rejection]:
    """Each refused delivery with the event it named, oldest first."""
    return _rows(conn, Rejection, "select event_id, reason from webhook_rejections order by id")


def last_heartbeat_age(conn: psycopg.Connection[Any]) -> float | None:
    row = conn.execute(
        "select extract(epoch from now() - max(beat_at)) from worker_heartbeats"
    ).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def status_counts(conn: psycopg.Connection[Any]) -> dict[str, dict[str, int]]:
    """How many inbox events, queue jobs and top-ups are in each status, for a whole run."""
    counts: dict[str, dict[str, int]] = {"inbox": {}, "jobs": {}, "topups": {}}
    queries = {
        "inbox": "select status, count(*) from stripe_event_inbox group by 1",
        "jobs": "select status::text, count(*) from procrastinate_jobs group by 1",
        "topups": "select status, count(*) from topups group by 1",
    }
    for table, query in queries.items():
        counts[table] = {str(status): int(n) for status, n in conn.execute(query).fetchall()}
    return counts


def fulfilment_paths(conn: psycopg.Connection[Any]) -> dict[str, str]:
    """Session id -> the path that credited it (webhook, landing or reconcile)."""
    rows = conn.execute(
        "select checkout_session_id, fulfilled_by from topups where fulfilled_by is not null"
    ).fetchall()
    return {str(session): str(path) for session, path in rows}


def failed_inbox_events(conn: psycopg.Connection[Any], limit: int = 20) -> list[InboxEvent]:
    """Events the app stored and could not process, oldest first."""
    return _rows(
        conn,
        InboxEvent,
        _INBOX + " where status = 'failed' order by received_at limit %s",
        (limit,),
    )
