"""The reconciliation sweep: list recent checkout events from Stripe and fulfil whatever the
webhooks missed. ``python -m reference_app reconcile``; the worker also runs it periodically."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from reference_app import topups
from reference_app.fulfilment import FulfilmentError, fulfil_checkout
from reference_app.runtime import Runtime

log = logging.getLogger("reference_app.reconcile")

FULFIL_ON = ("checkout.session.completed", "checkout.session.async_payment_succeeded")


@dataclass(frozen=True)
class SweepReport:
    sessions_seen: int
    credited: list[str]
    failed: dict[str, str]


def reconcile(runtime: Runtime, *, now: float | None = None) -> SweepReport:
    since = int((now or time.time()) - runtime.settings.reconcile_lookback_seconds)
    events = runtime.gateway.recent_checkout_events(since)
    sessions = sorted({session for _, kind, session in events if kind in FULFIL_ON})
    with runtime.pool.connection() as conn:
        done = topups.credited_among(conn, sessions)  # nothing to ask Stripe about those
    credited: list[str] = []
    failed: dict[str, str] = {}
    for session_id in (session for session in sessions if session not in done):
        try:
            result = fulfil_checkout(
                runtime.pool, runtime.gateway, session_id, path="reconcile", defects=runtime.defects
            )
        except FulfilmentError as error:
            failed[session_id] = str(error)
            continue
        if result.outcome == "credited":
            credited.append(session_id)
    log.info(
        "reconcile: %d sessions with checkout events since %d (%d credited before),"
        " %d credited now, %d failed",
        len(sessions),
        since,
        len(done),
        len(credited),
        len(failed),
    )
    return SweepReport(len(sessions), credited, failed)
