"""Read-only views of the app's own records of a top-up, through the optional SQL its profile
gives in ``[capabilities]``: the top-ups it recorded (``fulfilment_sql``), the Stripe events it
stored (``events_sql``), its queue's jobs (``jobs_sql``), the webhook deliveries it refused
(``rejections_sql``), when its worker last showed life (``heartbeat_sql``), and how much work
waits (``queue_probe``). For assertions and for the diagnosis; never written to.

Each query shows every record; the harness adds its own filters around it (as a subquery), so
the queries take no placeholders. A record the profile gives no query for raises
``NotObservable``, naming the key to add: the diagnosis shows that stage as not observable, and
never guesses it.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TypeVar

import httpx
import psycopg
from psycopg.rows import class_row

from harness.profile.model import Capabilities
from harness.records.profile_queries import check_query

R = TypeVar("R")


class NotObservable(LookupError):
    """The profile gives no way to see this; the message names the key to add."""

    def __init__(self, key: str) -> None:
        super().__init__(f"not observable: add capabilities.{key} to the profile")
        self.key = key


@dataclass(frozen=True)
class TopupRecord:
    checkout_session_id: str
    org_id: str | None
    amount_pence: int | None
    status: str  # created | awaiting_payment | credited | failed | expired
    fulfilled_by: str | None  # webhook | landing | reconcile
    stripe_payment_intent_id: str | None
    failure_reason: str | None


@dataclass(frozen=True)
class InboxEvent:
    event_id: str
    event_type: str
    object_id: str | None
    status: str  # queued | processed | ignored | failed
    attempts: int
    last_stage: str | None
    last_error: str | None
    received_at: datetime | None


@dataclass(frozen=True)
class Job:
    id: int
    status: str  # todo | doing | succeeded | failed | cancelled | aborted
    attempts: int
    event_id: str | None


@dataclass(frozen=True)
class Rejection:
    id: int
    event_id: str | None  # None when the body named no event
    reason: str


# key -> the row each of its rows is read into
QUERIES: dict[str, type[Any]] = {
    "fulfilment_sql": TopupRecord,
    "events_sql": InboxEvent,
    "jobs_sql": Job,
    "rejections_sql": Rejection,
}


def columns_of(row: type[Any]) -> tuple[str, ...]:
    return tuple(field.name for field in fields(row))


class AppRecords:
    """The app's records as its profile's ``[capabilities]`` queries show them."""

    def __init__(self, capabilities: Capabilities) -> None:
        self.capabilities = capabilities

    def has(self, key: str) -> bool:
        return bool(getattr(self.capabilities, key))

    def _sql(self, key: str) -> str:
        text = getattr(self.capabilities, key)
        if not text:
            raise NotObservable(key)
        return str(text).strip().rstrip(";")

    def _rows(
        self,
        conn: psycopg.Connection[Any],
        key: str,
        row: type[R],
        where: str = "true",
        params: tuple[object, ...] = (),
        order: str = "1",
    ) -> list[R]:
        columns = ", ".join(columns_of(row))
        query = f"select {columns} from ({self._sql(key)}) t where {where} order by {order}"
        with conn.cursor(row_factory=class_row(row)) as cur:
            return cur.execute(query.encode(), params).fetchall()

    # -- top-ups ---------------------------------------------------------------------------------

    def topup(self, conn: psycopg.Connection[Any], session_id: str) -> TopupRecord | None:
        found = self._rows(
            conn, "fulfilment_sql", TopupRecord, "checkout_session_id = %s", (session_id,)
        )
        return found[0] if found else None

    def fulfilment_paths(self, conn: psycopg.Connection[Any]) -> dict[str, str]:
        """Session id -> the path that credited it (webhook, landing or reconcile)."""
        records = self._rows(conn, "fulfilment_sql", TopupRecord, "fulfilled_by is not null")
        return {r.checkout_session_id: str(r.fulfilled_by) for r in records}

    # -- events, jobs, refusals ------------------------------------------------------------------

    def inbox_events(self, conn: psycopg.Connection[Any], session_id: str) -> list[InboxEvent]:
        return self._rows(
            conn, "events_sql", InboxEvent, "object_id = %s", (session_id,), "received_at, event_id"
        )

    def failed_inbox_events(
        self, conn: psycopg.Connection[Any], limit: int = 20
    ) -> list[InboxEvent]:
        """Events the app stored and could not process, oldest first."""
        failed = self._rows(conn, "events_sql", InboxEvent, "status = 'failed'", (), "received_at")
        return failed[:limit]

    def jobs_for_events(self, conn: psycopg.Connection[Any], event_ids: list[str]) -> list[Job]:
        """The queue's jobs for these events."""
        if not event_ids:
            return []
        return self._rows(conn, "jobs_sql", Job, "event_id = any(%s)", (event_ids,), "id")

    def rejected_deliveries(self, conn: psycopg.Connection[Any]) -> list[Rejection]:
        """Each refused delivery with the event it named, oldest first."""
        return self._rows(conn, "rejections_sql", Rejection, order="id")

    def rejections(self, conn: psycopg.Connection[Any]) -> list[str]:
        """Why the webhook endpoint refused deliveries, oldest first."""
        return [r.reason for r in self.rejected_deliveries(conn)]

    def last_heartbeat_age(self, conn: psycopg.Connection[Any]) -> float | None:
        """Seconds since the worker last showed life; None: never."""
        row = conn.execute(self._sql("heartbeat_sql").encode()).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def status_counts(self, conn: psycopg.Connection[Any]) -> dict[str, dict[str, int]]:
        """How many stored events, jobs and top-ups are in each status, for a whole run (what
        the profile makes observable)."""
        counts: dict[str, dict[str, int]] = {}
        for name, key in (
            ("inbox", "events_sql"),
            ("jobs", "jobs_sql"),
            ("topups", "fulfilment_sql"),
        ):
            if self.has(key):
                query = f"select status::text, count(*) from ({self._sql(key)}) t group by 1"
                rows = conn.execute(query.encode()).fetchall()
                counts[name] = {str(status): int(n) for status, n in rows}
        return counts

    # -- the queue -------------------------------------------------------------------------------

    def unfinished_jobs(self, conn: psycopg.Connection[Any], web_url: str) -> int:
        """How many jobs wait or run (``queue_probe``: its first number)."""
        return self.queue_counts(conn, web_url)[0]

    def queue_counts(self, conn: psycopg.Connection[Any], web_url: str) -> tuple[int, int]:
        """(waiting, failed) jobs, as the profile's ``queue_probe`` tells them."""
        probe = self.capabilities.queue_probe
        if probe is None:
            raise NotObservable("queue_probe")
        if probe.sql is not None:
            row = conn.execute(probe.sql.encode()).fetchone()
            return (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)
        if probe.url is not None:
            url = probe.url if "://" in probe.url else web_url + probe.url
            answer = httpx.get(url, timeout=10)
            answer.raise_for_status()
            body = answer.json()
        else:
            assert probe.command is not None
            done = subprocess.run(
                probe.command, capture_output=True, text=True, timeout=30, check=True
            )
            body = json.loads(done.stdout)
        return int(body["waiting"]), int(body["failed"])

    # -- at start-up -------------------------------------------------------------------------------

    def check_columns(self, conn: psycopg.Connection[Any], source: str = "the profile") -> None:
        """``ProfileQueryError`` when a query the profile gives cannot serve the checks."""
        for key, row in QUERIES.items():
            if self.has(key):
                check_query(conn, source, f"capabilities.{key}", self._sql(key), columns_of(row))
