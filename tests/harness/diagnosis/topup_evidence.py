"""Hand-built evidence for the judging tests: a top-up the webhook credited, every stage sound,
and small functions that change one thing about it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from harness.diagnosis.evidence import (
    Attempt,
    Endpoint,
    LogLine,
    PageView,
    Pending,
    StripeEvent,
    StripeSession,
    TopupEvidence,
)
from harness.records.app_records import InboxEvent, Job, Rejection, TopupRecord
from harness.records.ledger import LedgerRow

SESSION = "cs_test_a1"
EVENT = "evt_completed_1"
ORG = "ad9306a9-4d8a-4685-a667-cbeb7eb01a07"
OTHER_ORG = "5f0c2b9e-8d4a-4e61-9b7f-2c3d4e5f6a7b"
INTENT = "pi_1"
APP_URL = "http://127.0.0.1:40001/api/webhooks/stripe"
STALE_URL = "http://127.0.0.1:9/api/webhooks/stripe"
COMPLETED = "checkout.session.completed"
ASYNC_SUCCEEDED = "checkout.session.async_payment_succeeded"
HANDLED = (COMPLETED, ASYNC_SUCCEEDED, "checkout.session.async_payment_failed")


def attempt(
    status: int | None = 200,
    *,
    event_id: str = EVENT,
    event_type: str = COMPLETED,
    number: int = 1,
    copy: int = 0,
    url: str = APP_URL,
    error: str | None = None,
    error_kind: str | None = None,
    faults: tuple[str, ...] = (),
) -> Attempt:
    succeeded = status is not None and 200 <= status < 300
    return Attempt(
        event_id, event_type, url, number, copy, status, error, 12.0, faults, succeeded, error_kind
    )


def inbox(
    status: str = "processed",
    stage: str | None = "credited",
    error: str | None = None,
    *,
    event_id: str = EVENT,
    event_type: str = COMPLETED,
    attempts: int = 1,
) -> InboxEvent:
    return InboxEvent(event_id, event_type, SESSION, status, attempts, stage, error, None)


def job(status: str = "succeeded", attempts: int = 1, *, event_id: str = EVENT) -> Job:
    return Job(1, status, attempts, event_id)


def topup(
    status: str = "credited", by: str | None = "webhook", reason: str | None = None
) -> TopupRecord:
    intent = INTENT if status == "credited" else None
    return TopupRecord(SESSION, ORG, 5000, status, by, intent, reason)


def row(
    amount: int = 5000, *, row_id: int = 1, org: str = ORG, intent: str | None = INTENT
) -> LedgerRow:
    return LedgerRow(row_id, org, "topup", "credit", amount, 0, amount, intent, SESSION, "Top-up")


def page(balance: str = "£50.00", db_pence: int = 5000, **changes: Any) -> PageView:
    view = PageView(
        url=f"http://127.0.0.1:40001/dashboard/wallet?session_id={SESSION}",
        on_dashboard=True,
        landed_session=SESSION,
        balance_text=balance,
        banner_state="credited",
        banner_visible=True,
        banner_text="£50.00 has been added to your wallet.",
        error_visible=False,
        error_text="",
        banner_history=("pending: Your payment is being confirmed", "credited: £50.00 added"),
        org_id=ORG,
        db_balance_pence=db_pence,
    )
    return replace(view, **changes)


def credited_by_webhook(**changes: Any) -> TopupEvidence:
    """Paid by card, delivered once, queued, processed, one row, shown: nothing broken."""
    evidence = TopupEvidence(
        session_id=SESSION,
        email="test@demo.com",
        app_webhook_url=APP_URL,
        stripe_session=StripeSession(SESSION, 5000, "gbp", "paid", "complete", ORG, INTENT),
        events=(StripeEvent(EVENT, COMPLETED, "paid"),),
        attempts=(attempt(200),),
        endpoints=(Endpoint("we_1", APP_URL, HANDLED, "enabled"),),
        topup=topup(),
        inbox=(inbox(),),
        jobs=(job(),),
        ledger_rows=(row(),),
        org_id=ORG,
        org_balance_pence=5000,
        page=page(),
        landing_loads=(f"http://127.0.0.1:40001/dashboard/wallet?session_id={SESSION}",),
        worker_running=True,
        heartbeat_age=1.0,
        log_lines=(LogLine("web", '"POST /api/webhooks/stripe HTTP/1.1" 200'),),
    )
    return replace(evidence, **changes)


def webhook_lost(**changes: Any) -> TopupEvidence:
    """The scenario dropped the webhook on purpose; the app never heard of the payment."""
    lost = credited_by_webhook(
        attempts=(
            attempt(
                None,
                error="dropped by fault: never delivered",
                error_kind="dropped_by_fault",
                faults=("drop",),
            ),
        ),
        topup=topup("created", None),
        inbox=(),
        jobs=(),
        ledger_rows=(),
        org_balance_pence=0,
        page=page("£0.00", 0, banner_state="pending", banner_text="being confirmed"),
        landing_loads=(),
    )
    return replace(lost, **changes)


def unpaid(status: str = "open", **changes: Any) -> TopupEvidence:
    session = StripeSession(SESSION, 5000, "gbp", "unpaid", status, ORG, None)
    quiet = credited_by_webhook(
        stripe_session=session,
        events=(),
        attempts=(),
        topup=topup("created", None),
        inbox=(),
        jobs=(),
        ledger_rows=(),
        org_balance_pence=0,
        page=page("£0.00", 0, banner_state="pending", banner_text="being confirmed"),
    )
    return replace(quiet, **changes)


__all__ = [
    "APP_URL",
    "ASYNC_SUCCEEDED",
    "COMPLETED",
    "EVENT",
    "HANDLED",
    "INTENT",
    "ORG",
    "OTHER_ORG",
    "SESSION",
    "STALE_URL",
    "Endpoint",
    "Pending",
    "Rejection",
    "StripeEvent",
    "attempt",
    "credited_by_webhook",
    "inbox",
    "job",
    "page",
    "row",
    "topup",
    "unpaid",
    "webhook_lost",
]
