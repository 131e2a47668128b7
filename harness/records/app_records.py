"""Read-only views of the app's own records of a top-up, through what its profile gives in
``[capabilities]``: the top-ups it recorded and which path credited each (``fulfilment``: SQL or
a URL), the Stripe events it stored (``events_sql``), its queue's jobs (``jobs_sql``), the
webhook deliveries it refused (``rejections_sql``), when its worker last showed life
(``heartbeat_sql``), and how much work waits (``queue_probe``: SQL, a URL or a command). For
assertions and for the diagnosis; never written to.

Each query shows every record; the harness adds its own filters around it (as a subquery), so
the queries take no placeholders. A URL or a command is asked through the running app
(``AppAccess``: the stack). A record the profile gives no way to see raises ``NotObservable``,
naming the key to add: the diagnosis shows that stage as not observable, and never guesses it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

import psycopg
from psycopg.rows import class_row

from harness.profile.model import Capabilities
from harness.records.profile_queries import check_query

R = TypeVar("R")


class AppAccess(Protocol):
    """The running app, for the records a URL or a command shows (the stack gives this)."""

    def get_json(self, key: str, path: str, account: str | None = None) -> tuple[int, Any]:
        """GET ``path`` on the app (as ``account``, with its API token): status and JSON."""
        ...

    def run_command(self, key: str, command: list[str]) -> str:
        """One of the app's commands, its placeholders filled: what it printed."""
        ...


class RecordSourceError(RuntimeError):
    """A URL or a command the profile names answered something the harness cannot read."""


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
    "fulfilment.sql": TopupRecord,
    "events_sql": InboxEvent,
    "jobs_sql": Job,
    "rejections_sql": Rejection,
}


def columns_of(row: type[Any]) -> tuple[str, ...]:
    return tuple(field.name for field in fields(row))


class AppRecords:
    """The app's records as its profile's ``[capabilities]`` show them; ``access`` is the
    running app, for a record shown by a URL or a command."""

    def __init__(self, capabilities: Capabilities, access: AppAccess | None = None) -> None:
        self.capabilities = capabilities
        self.access = access

    def has(self, key: str) -> bool:
        """Whether ``capabilities.<key>`` is given (``fulfilment.sql``: that kind of it)."""
        return bool(self._given(key))

    def _given(self, key: str) -> Any:
        value: Any = self.capabilities
        for part in key.split("."):
            value = getattr(value, part, None)
        return value

    def _sql(self, key: str) -> str:
        text = self._given(key)
        if not text:
            raise NotObservable(key.split(".")[0])
        return str(text).strip().rstrip(";")

    def _app(self) -> AppAccess:
        if self.access is None:
            raise RuntimeError("a URL or a command of the profile is asked of the running app")
        return self.access

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
        """The app's record of the top-up with this Checkout Session; None: it has none."""
        fulfilment = self.capabilities.fulfilment
        if fulfilment is not None and fulfilment.url is not None:
            return self._topup_from_url(fulfilment.url, fulfilment.account, session_id)
        found = self._rows(
            conn, "fulfilment.sql", TopupRecord, "checkout_session_id = %s", (session_id,)
        )
        return found[0] if found else None

    def fulfilment_paths(
        self, conn: psycopg.Connection[Any], session_ids: Iterable[str] = ()
    ) -> dict[str, str]:
        """Session id -> the path that credited it (webhook, landing or reconcile): of every
        top-up the SQL shows, or of each of ``session_ids`` asked one by one of the URL."""
        if self.has("fulfilment.url"):
            found = {s: self.topup(conn, s) for s in session_ids}
            return {s: str(r.fulfilled_by) for s, r in found.items() if r and r.fulfilled_by}
        records = self._rows(conn, "fulfilment.sql", TopupRecord, "fulfilled_by is not null")
        return {r.checkout_session_id: str(r.fulfilled_by) for r in records}

    def _topup_from_url(self, url: str, account: str | None, session_id: str) -> TopupRecord | None:
        key = "capabilities.fulfilment.url"
        path = url.replace("{session_id}", quote(session_id, safe=""))
        status, body = self._app().get_json(key, path, account)
        if status == 404:
            return None
        if status != 200 or not isinstance(body, dict):
            raise RecordSourceError(
                f"{key}: GET {path} answered {status}, not 200 with a JSON object"
            )
        if body.get("status") is None:
            raise RecordSourceError(
                f"{key}: GET {path} answered no status; the JSON has {', '.join(body) or 'no keys'}"
                f" (the keys: {', '.join(columns_of(TopupRecord))})"
            )

        def text(name: str) -> str | None:
            return None if body.get(name) is None else str(body[name])

        amount = body.get("amount_pence")
        if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int)):
            raise RecordSourceError(
                f"{key}: GET {path} answered amount_pence {amount!r}, not pence"
            )
        return TopupRecord(
            checkout_session_id=text("checkout_session_id") or session_id,
            org_id=text("org_id"),
            amount_pence=amount,
            status=str(body["status"]),
            fulfilled_by=text("fulfilled_by"),
            stripe_payment_intent_id=text("stripe_payment_intent_id"),
            failure_reason=text("failure_reason"),
        )

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

    def running_jobs(self, conn: psycopg.Connection[Any]) -> set[int]:
        """The ids of the queue's jobs running now (``doing``)."""
        return {job.id for job in self._rows(conn, "jobs_sql", Job, "status = 'doing'")}

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
        """How many stored events and jobs are in each status, for a whole run (what the
        profile makes observable)."""
        counts: dict[str, dict[str, int]] = {}
        for name, key in (("inbox", "events_sql"), ("jobs", "jobs_sql")):
            if self.has(key):
                query = f"select status::text, count(*) from ({self._sql(key)}) t group by 1"
                rows = conn.execute(query.encode()).fetchall()
                counts[name] = {str(status): int(n) for status, n in rows}
        return counts

    # -- the queue -------------------------------------------------------------------------------

    def unfinished_jobs(self, conn: psycopg.Connection[Any]) -> int:
        """How many jobs wait or run (``queue_probe``: its first number)."""
        return self.queue_counts(conn)[0]

    def queue_counts(self, conn: psycopg.Connection[Any]) -> tuple[int, int]:
        """(waiting, failed) jobs, as the profile's ``queue_probe`` tells them."""
        probe = self.capabilities.queue_probe
        if probe is None:
            raise NotObservable("queue_probe")
        if probe.sql is not None:
            row = conn.execute(probe.sql.encode()).fetchone()
            return (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)
        if probe.url is not None:
            key = "capabilities.queue_probe.url"
            status, body = self._app().get_json(key, probe.url)
            if status != 200:
                raise RecordSourceError(f"{key}: GET {probe.url} answered {status}, not 200")
            return _counts(key, body)
        assert probe.command is not None
        key = "capabilities.queue_probe.command"
        printed = self._app().run_command(key, probe.command)
        try:
            body = json.loads(printed)
        except ValueError:
            raise RecordSourceError(f"{key} printed no JSON: {printed.strip()[-200:]!r}") from None
        return _counts(key, body)

    # -- at start-up -------------------------------------------------------------------------------

    def check_columns(self, conn: psycopg.Connection[Any], source: str = "the profile") -> None:
        """``ProfileQueryError`` when a query the profile gives cannot serve the checks."""
        for key, row in QUERIES.items():
            if self.has(key):
                check_query(conn, source, f"capabilities.{key}", self._sql(key), columns_of(row))


def _counts(key: str, body: Any) -> tuple[int, int]:
    """``{"waiting": n, "failed": n}`` as (waiting, failed), or what is wrong with it."""
    try:
        waiting, failed = body["waiting"], body["failed"]
        if isinstance(waiting, bool) or isinstance(failed, bool):
            raise TypeError
        return int(waiting), int(failed)
    except (KeyError, TypeError, ValueError):
        raise RecordSourceError(
            f'{key} gave {str(body)[:200]}, not {{"waiting": <number>, "failed": <number>}}'
        ) from None
