"""``stripe_event_inbox``: every verified event, stored before any processing (repository)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb


@dataclass(frozen=True)
class InboxEvent:
    event_id: str
    event_type: str
    object_id: str | None
    payload: dict[str, Any]
    status: str
    attempts: int


def store_event(conn: psycopg.Connection[Any], payload: dict[str, Any]) -> bool:
    """Insert the event; False when this event id was stored already (a duplicate delivery)."""
    data_object = payload.get("data", {}).get("object", {})
    row = conn.execute(
        "insert into stripe_event_inbox (event_id, event_type, object_id, payload)"
        " values (%s, %s, %s, %s) on conflict (event_id) do nothing returning 1",
        (payload["id"], payload["type"], data_object.get("id"), Jsonb(payload)),
    ).fetchone()
    return row is not None


def begin_attempt(conn: psycopg.Connection[Any], event_id: str) -> InboxEvent | None:
    """Count one more processing attempt of the stored event and return it (its ``attempts``
    including this one), in one statement; None when the inbox holds no such event."""
    row = conn.execute(
        "update stripe_event_inbox set attempts = attempts + 1 where event_id = %s"
        " returning event_id, event_type, object_id, payload, status, attempts",
        (event_id,),
    ).fetchone()
    if row is None:
        return None
    payload = row[3] if isinstance(row[3], dict) else json.loads(row[3])
    return InboxEvent(row[0], row[1], row[2], payload, row[4], row[5])


def finish(
    conn: psycopg.Connection[Any],
    event_id: str,
    status: str,
    stage: str,
    error: str | None = None,
) -> None:
    """processed | ignored | failed, with the stage it reached and the error if any."""
    conn.execute(
        "update stripe_event_inbox set status = %s, last_stage = %s, last_error = %s,"
        " processed_at = case when %s in ('processed', 'ignored') then now() else processed_at end"
        " where event_id = %s",
        (status, stage, error, status, event_id),
    )
