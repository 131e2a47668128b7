"""Runtime evidence about a running stack, read the way an investigator would: the fake's
delivery log, the app's inbox, queue and ledger (read-only SQL), and the app's own endpoints."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import TypeVar

import itsdangerous

from harness.polling import poll_until
from harness.profile.loading import default_profile
from harness.records.ledger import LedgerRow
from harness.records.ledger_chain import chain_breaks
from harness.stack.wallet_stack import WalletStack
from tests.reference_app import ledger_reads

ACCOUNTS = default_profile().app.accounts  # the reference app's seed logins
DEMO_ORG = ACCOUNTS["test@demo.com"].org_id
DEMO_TOKEN = ACCOUNTS["test@demo.com"].api_token or ""
OTHER_TOKEN = ACCOUNTS["other@demo.com"].api_token or ""
OTHER_ORG = ACCOUNTS["other@demo.com"].org_id
T = TypeVar("T")


def new_topup(stack: WalletStack, amount_pence: int = 5000, token: str = DEMO_TOKEN) -> str:
    with stack.api(token) as api:
        created = api.post("/api/wallet/topups", json={"amount_pence": amount_pence})
    assert created.status_code == 201, created.text
    session_id: str = created.json()["session_id"]
    return session_id


def paid_topup(stack: WalletStack, amount_pence: int = 5000) -> str:
    """A top-up the customer paid by card, with every delivery due so far answered."""
    session_id = new_topup(stack, amount_pence)
    stack.control.pay(session_id)
    stack.control.settle()
    return session_id


def landing_check(stack: WalletStack, session_id: str) -> dict[str, object]:
    """What the dashboard asks when the customer lands back: GET /api/wallet/topups/{id}."""
    with stack.api(DEMO_TOKEN) as api:
        answer = api.get(f"/api/wallet/topups/{session_id}")
    assert answer.status_code == 200, answer.text
    state: dict[str, object] = answer.json()
    return state


def ledger_rows(stack: WalletStack, org_id: str = DEMO_ORG) -> list[LedgerRow]:
    with stack.connect() as conn:
        return ledger_reads.ledger_rows(conn, org_id)


def balance(stack: WalletStack, org_id: str = DEMO_ORG) -> int:
    with stack.connect() as conn:
        return ledger_reads.balance_pence(conn, org_id)


def chain_is_unbroken(rows: list[LedgerRow]) -> bool:
    """Each row starts where the one before it ended (from zero)."""
    return not chain_breaks(rows, start_pence=0)


def inbox(stack: WalletStack, session_id: str) -> list[tuple[str, str, int, str | None]]:
    """(event type, status, attempts, last error) of the session's stored events."""
    with stack.connect() as conn:
        events = ledger_reads.RECORDS.inbox_events(conn, session_id)
    return [(e.event_type, e.status, e.attempts, e.last_error) for e in events]


def topup_status(stack: WalletStack, session_id: str) -> tuple[str, str | None] | None:
    """(status, fulfilled by) of the app's record of the top-up; None before it has one."""
    with stack.connect() as conn:
        record = ledger_reads.RECORDS.topup(conn, session_id)
    return None if record is None else (record.status, record.fulfilled_by)


def wait_for_topup(
    stack: WalletStack, session_id: str, status: str, timeout: float = 20.0
) -> tuple[str, str | None] | None:
    """Read the app's record until the top-up reaches ``status``; return where it got to."""

    def reached() -> tuple[str, str | None] | None:
        current = topup_status(stack, session_id)
        return current if current is not None and current[0] == status else None

    return poll_until(reached, timeout=timeout) or topup_status(stack, session_id)


def job_statuses(stack: WalletStack) -> list[str]:
    with stack.connect() as conn:
        rows = conn.execute("select status::text from procrastinate_jobs order by id").fetchall()
    return [row[0] for row in rows]


def job_attempts(stack: WalletStack) -> list[int]:
    with stack.connect() as conn:
        rows = conn.execute("select attempts from procrastinate_jobs order by id").fetchall()
    return [row[0] for row in rows]


def rejections(stack: WalletStack) -> list[str]:
    with stack.connect() as conn:
        return ledger_reads.RECORDS.rejections(conn)


def delivery_codes(
    stack: WalletStack, session_id: str, event_type: str = "checkout.session.completed"
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


def session_cookie(user_email: str, stack: WalletStack) -> dict[str, str]:
    """The cookie the login sets for ``user_email`` (Starlette's signed session), so the
    metrics tests do not depend on the login form."""
    with stack.connect() as conn:
        row = conn.execute(
            "select id::text from users where lower(email) = lower(%s)", (user_email,)
        ).fetchone()
    assert row is not None
    data = base64.b64encode(json.dumps({"user_id": row[0]}).encode())
    secret = stack.web.env["SESSION_SECRET"]  # what the app's profile gives it
    signed = itsdangerous.TimestampSigner(secret).sign(data)
    return {"session": signed.decode()}
