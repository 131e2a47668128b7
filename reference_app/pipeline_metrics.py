"""What ``/api/webhook-metrics`` reports about the webhook pipeline (repository, read-only).

Queue health: the job queue (procrastinate's jobs) and the inbox by status, how long the oldest
pending piece of work has waited, and when a worker last beat. Recent failures: inbox events
that ended ``failed`` and deliveries refused before the inbox (``webhook_rejections``), newest
first, in one list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import psycopg

from reference_app.job_queue import QUEUE

MAX_FAILURES = 100


@dataclass(frozen=True)
class QueueHealth:
    jobs_by_status: dict[str, int]
    inbox_by_status: dict[str, int]
    oldest_queued_event_seconds: float | None  # inbox rows still ``queued``
    oldest_todo_job_seconds: float | None  # jobs still ``todo`` (waiting for a worker)
    last_heartbeat_at: dt.datetime | None
    last_heartbeat_seconds: float | None
    last_heartbeat_worker: str | None

    @property
    def oldest_pending_seconds(self) -> float | None:
        ages = [
            age
            for age in (self.oldest_queued_event_seconds, self.oldest_todo_job_seconds)
            if age is not None
        ]
        return max(ages) if ages else None


@dataclass(frozen=True)
class PipelineFailure:
    kind: str  # event_failed | rejected
    at: dt.datetime
    event_id: str | None
    event_type: str | None
    object_id: str | None
    stage: str | None  # the inbox's last stage; signature | request for a rejection
    error: str
    attempts: int | None


def queue_health(conn: psycopg.Connection[Any]) -> QueueHealth:
    jobs = conn.execute(
        "select status::text, count(*) from procrastinate_jobs where queue_name = %s"
        " group by status",
        (QUEUE,),
    ).fetchall()
    inbox = conn.execute(
        "select status, count(*) from stripe_event_inbox group by status"
    ).fetchall()
    ages = conn.execute(
        "select"
        " (select extract(epoch from now() - min(received_at))::float8"
        "    from stripe_event_inbox where status = 'queued'),"
        " (select extract(epoch from now() - min(e.at))::float8"
        "    from procrastinate_jobs j join procrastinate_events e on e.job_id = j.id"
        "   where j.queue_name = %s and j.status = 'todo' and e.type = 'deferred')",
        (QUEUE,),
    ).fetchone()
    beat = conn.execute(
        "select worker_name, beat_at, extract(epoch from now() - beat_at)::float8"
        " from worker_heartbeats order by beat_at desc limit 1"
    ).fetchone()
    assert ages is not None
    return QueueHealth(
        jobs_by_status={str(status): int(count) for status, count in jobs},
        inbox_by_status={str(status): int(count) for status, count in inbox},
        oldest_queued_event_seconds=ages[0],
        oldest_todo_job_seconds=ages[1],
        last_heartbeat_worker=None if beat is None else beat[0],
        last_heartbeat_at=None if beat is None else beat[1],
        last_heartbeat_seconds=None if beat is None else beat[2],
    )


def recent_failures(conn: psycopg.Connection[Any], limit: int) -> list[PipelineFailure]:
    """Failed inbox events and rejected deliveries, newest first, at most ``limit``."""
    if not 1 <= limit <= MAX_FAILURES:
        raise ValueError(f"limit must be from 1 to {MAX_FAILURES}, got {limit}")
    rows = conn.execute(
        "(select 'event_failed' as kind, received_at as at, event_id,"
        "        event_type, object_id, last_stage, coalesce(last_error, ''), attempts"
        "   from stripe_event_inbox where status = 'failed'"
        "  order by 2 desc limit %(limit)s)"
        " union all"
        " (select 'rejected', received_at, event_id, null, null,"
        "         case when reason ilike '%%signature%%' then 'signature' else 'request' end,"
        "         reason, null"
        "   from webhook_rejections order by received_at desc limit %(limit)s)"
        " order by at desc limit %(limit)s",
        {"limit": limit},
    ).fetchall()
    return [PipelineFailure(*row) for row in rows]
