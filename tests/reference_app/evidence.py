"""Runtime evidence about a running stack, read the way an investigator would: the fake's
delivery log, the app's inbox, queue and ledger (read-only SQL), and the app's own endpoints."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import itsdangerous

from harness.polling import poll_until
from tests.reference_app.stack import DEMO_TOKEN, AppStack

ORG = "ad9306a9-4d8a-4685-a667-cbeb7eb01a07"
SESSION_SECRET = "test-session-secret"  # what app_stack gives the app
T = TypeVar("T")


@dataclass(frozen=True)
class LedgerRow:
    id: int
    amount_pence: int
    balance_before_pence: int
    balance_after_pence: int
    session_id: str | None


def new_topup(stack: AppStack, amount_pence: int = 5000, token: str = DEMO_TOKEN) -> str:
    with stack.api(token) as api:
        created = api.post("/api/wallet/topups", json={"amount_pence": amount_pence})
    assert created.status_code == 201, created.text
    session_id: str = created.json()["session_id"]
    return session_id


def paid_topup(stack: AppStack, amount_pence: int = 5000) -> str:
    """A top-up the customer paid by card, with every delivery due so far answered."""
    session_id = new_topup(stack, amount_pence)
    stack.control.pay(session_id)
    stack.control.settle()
    return session_id


def landing_check(stack: AppStack, session_id: str) -> dict[str, object]:
    """What the dashboard asks when the customer lands back: GET /api/wallet/topups/{id}."""
    with stack.api() as api:
        answer = api.get(f"/api/wallet/topups/{session_id}")
    assert answer.status_code == 200, answer.text
    state: dict[str, object] = answer.json()
    return state


def ledger_rows(stack: AppStack, org_id: str = ORG) -> list[LedgerRow]:
    with stack.connect() as conn:
        rows = conn.execute(
            "select id, amount_pence, balance_before_pence, balance_after_pence,"
            " stripe_checkout_session_id from credit_transactions where org_id = %s order by id",
            (org_id,),
        ).fetchall()
    return [LedgerRow(*row) for row in rows]


def balance(stack: AppStack, org_id: str = ORG) -> int:
    with stack.connect() as conn:
        row = conn.execute(
            "select wallet_balance_pence from organizations where id = %s", (org_id,)
        ).fetchone()
    assert row is not None
    value: int = row[0]
    return value


def chain_is_unbroken(rows: list[LedgerRow]) -> bool:
    """Each row starts where the one before it ended (from zero)."""
    before = 0
    for row in rows:
        if row.balance_before_pence != before:
            return False
        before = row.balance_after_pence
    return True


def inbox(stack: AppStack, session_id: str) -> list[tuple[str, str, int, str | None]]:
    """(event type, status, attempts, last error) of the session's stored events."""
    with stack.connect() as conn:
        rows = conn.execute(
            "select event_type, status, attempts, last_error from stripe_event_inbox"
            " where object_id = %s order by received_at",
            (session_id,),
        ).fetchall()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def job_statuses(stack: AppStack) -> list[str]:
    with stack.connect() as conn:
        rows = conn.execute("select status::text from procrastinate_jobs order by id").fetchall()
    return [row[0] for row in rows]


def job_attempts(stack: AppStack) -> list[int]:
    with stack.connect() as conn:
        rows = conn.execute("select attempts from procrastinate_jobs order by id").fetchall()
    return [row[0] for row in rows]


def rejections(stack: AppStack) -> list[str]:
    with stack.connect() as conn:
        rows = conn.execute("select reason from webhook_rejections order by id").fetchall()
    return [row[0] for row in rows]


def delivery_codes(
    stack: AppStack, session_id: str, event_type: str = "checkout.session.completed"
) -> list[int | None]:
    """HTTP status of every attempt the fake made for the session's events of ``event_type``
    (None: no answer: refused connection or timeout)."""
    attempts = stack.control.deliveries(object_id=session_id, event_type=event_type).attempts
    return [attempt.status_code for attempt in attempts]


def wait_until(check: Callable[[], T], timeout: float = 20.0, what: str = "condition") -> T:
    """Wait for another process's work until ``check()`` is truthy; return its value."""
    value = poll_until(check, timeout=timeout)
    if not value:
        raise AssertionError(f"timed out after {timeout} s waiting for {what}; last: {value!r}")
    return value


def session_cookie(user_email: str, stack: AppStack) -> dict[str, str]:
    """The cookie the login sets for ``user_email`` (Starlette's signed session), so the
    metrics tests do not depend on the login form."""
    with stack.connect() as conn:
        row = conn.execute(
            "select id::text from users where lower(email) = lower(%s)", (user_email,)
        ).fetchone()
    assert row is not None
    data = base64.b64encode(json.dumps({"user_id": row[0]}).encode())
    signed = itsdangerous.TimestampSigner(SESSION_SECRET).sign(data)
    return {"session": signed.decode()}
