"""What the worker does with one stored Stripe event."""

from __future__ import annotations

import logging
from typing import Any

from reference_app import inbox, topups
from reference_app.fulfilment import Refused, fulfil_checkout
from reference_app.runtime import Runtime

log = logging.getLogger("reference_app.worker")

FULFILS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")


class UnknownInboxEvent(LookupError):
    """A job names an event the inbox does not hold."""


def process_event(runtime: Runtime, event_id: str) -> str:
    """Handle one event; returns the stage it reached. Raises to have the job retried (a
    ``Refused`` event's job fails at once: ``job_queue``)."""
    with runtime.pool.connection() as conn:
        event = inbox.begin_attempt(conn, event_id)
        if event is None:
            raise UnknownInboxEvent(f"no stored event {event_id}")
    session_id = event.object_id or "-"
    log.info("event %s %s session %s: processing", event_id, event.event_type, session_id)
    data = event.payload.get("data")
    claimed = data.get("object") if isinstance(data, dict) else None
    try:
        stage = _handle(runtime, event_id, event.event_type, session_id, claimed)
    except Refused as error:  # the same answer on every retry: the job fails at once
        with runtime.pool.connection() as conn:
            inbox.finish(conn, event_id, "failed", "verification", str(error))
        log.warning("event %s session %s: refused: %s", event_id, session_id, error)
        raise
    except Exception as error:
        with runtime.pool.connection() as conn:
            inbox.finish(conn, event_id, "failed", "processing", f"{type(error).__name__}: {error}")
        log.warning("event %s session %s: failed: %s", event_id, session_id, error)
        if runtime.defects.on("job-errors-swallowed"):
            return "swallowed"  # the job "succeeds": no retry, nothing left to see
        raise
    status = "ignored" if stage == "ignored" else "processed"
    with runtime.pool.connection() as conn:
        inbox.finish(conn, event_id, status, stage)
    log.info("event %s %s session %s: %s", event_id, event.event_type, session_id, stage)
    return stage


def _handle(
    runtime: Runtime,
    event_id: str,
    event_type: str,
    session_id: str,
    claimed: dict[str, Any] | None,
) -> str:
    if event_type == "checkout.session.async_payment_succeeded" and runtime.defects.on(
        "ignores-async-success"
    ):
        return "ignored"
    if event_type in FULFILS:
        result = fulfil_checkout(
            runtime.pool,
            runtime.gateway,
            session_id,
            path="webhook",
            defects=runtime.defects,
            event_id=event_id,
            claimed=claimed if isinstance(claimed, dict) else None,
        )
        return result.outcome
    if event_type == "checkout.session.async_payment_failed":
        with runtime.pool.connection() as conn:
            topups.mark_status(conn, session_id, "failed", "the bank debit failed")
        return "failed_payment"
    if event_type == "checkout.session.expired":
        with runtime.pool.connection() as conn:
            topups.mark_status(conn, session_id, "expired", "the Checkout Session expired unpaid")
        return "expired"
    return "ignored"
