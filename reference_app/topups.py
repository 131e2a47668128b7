"""The ``topups`` table: each top-up from its Checkout Session to its end (repository)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import class_row

from reference_app import ledger


@dataclass(frozen=True)
class Topup:
    checkout_session_id: str
    org_id: str
    amount_pence: int
    currency: str
    status: str  # created | awaiting_payment | credited | failed | expired
    fulfilled_by: str | None  # webhook | landing | reconcile
    credit_transaction_id: int | None
    stripe_payment_intent_id: str | None
    failure_reason: str | None
    created_at: dt.datetime
    credited_at: dt.datetime | None


_COLUMNS = """checkout_session_id, org_id::text as org_id, amount_pence, currency, status,
    fulfilled_by, credit_transaction_id, stripe_payment_intent_id, failure_reason, created_at,
    credited_at"""


def record_created(
    conn: psycopg.Connection[Any], session_id: str, org_id: str, amount: int
) -> None:
    conn.execute(
        "insert into topups (checkout_session_id, org_id, amount_pence) values (%s, %s, %s)"
        " on conflict (checkout_session_id) do nothing",
        (session_id, org_id, amount),
    )


def get_topup(conn: psycopg.Connection[Any], session_id: str) -> Topup | None:
    with conn.cursor(row_factory=class_row(Topup)) as cur:
        return cur.execute(
            f"select {_COLUMNS} from topups where checkout_session_id = %s",  # noqa: S608
            (session_id,),
        ).fetchone()


def topups_of(conn: psycopg.Connection[Any], org_id: str, limit: int = 50) -> list[Topup]:
    with conn.cursor(row_factory=class_row(Topup)) as cur:
        return cur.execute(
            f"select {_COLUMNS} from topups where org_id = %s"  # noqa: S608
            " order by created_at desc limit %s",
            (org_id, limit),
        ).fetchall()


# the wallet's credit and the top-up's record of it in one statement: both or neither, with no
# BEGIN, SAVEPOINT, RELEASE and COMMIT around two statements (``credit``)
_CREDIT_AND_MARK = f"""
with credit as (
    select transaction_id, balance_after_pence, applied from {ledger.CREDIT_CALL}
), marked as (
    update topups set status = 'credited', fulfilled_by = %s,
        credit_transaction_id = credit.transaction_id,
        stripe_payment_intent_id = coalesce(%s, topups.stripe_payment_intent_id),
        credited_at = now(), updated_at = now(), failure_reason = null
    from credit
    where credit.applied and topups.checkout_session_id = %s and topups.status <> 'credited'
    returning {_COLUMNS}
)
select credit.transaction_id, credit.balance_after_pence, credit.applied, marked.*
from credit left join marked on true
"""  # noqa: S608  (the columns are this module's own)


def credit(
    conn: psycopg.Connection[Any],
    session_id: str,
    org_id: str,
    amount_pence: int,
    path: str,
    payment_intent_id: str | None,
) -> tuple[ledger.CreditResult, Topup | None]:
    """Credit the organisation's wallet for this top-up (``add_wallet_credits``, idempotent per
    session) and, when that credit applied, record on the top-up that it is credited and by
    which ``path`` (the first path wins): one statement, whole or not at all
    (``ledger.atomic``). Returns the ledger's answer and the top-up as written, or None when
    nothing was written to it (already credited). A refusal raises the ledger's
    ``LedgerError`` with nothing written."""
    org, pence = ledger.checked(org_id, amount_pence)
    arguments = (org, pence, "topup", payment_intent_id, session_id, "Top-up")  # CREDIT_CALL's
    with ledger.refusals(), ledger.atomic(conn):
        row = conn.execute(
            _CREDIT_AND_MARK, (*arguments, path, payment_intent_id, session_id)
        ).fetchone()
    assert row is not None, "the credit's call always returns one row"
    result = ledger.CreditResult(transaction_id=row[0], balance_after_pence=row[1], applied=row[2])
    return result, None if row[3] is None else Topup(*row[3:])


def mark_awaiting_payment(conn: psycopg.Connection[Any], session_id: str) -> None:
    """A delayed payment still settling: from created only. A failed debit also reads as
    complete and unpaid at Stripe, and must stay failed."""
    conn.execute(
        "update topups set status = 'awaiting_payment', updated_at = now()"
        " where checkout_session_id = %s and status = 'created'",
        (session_id,),
    )


def mark_status(
    conn: psycopg.Connection[Any], session_id: str, status: str, reason: str | None = None
) -> None:
    """awaiting_payment, failed or expired; never over a credit."""
    conn.execute(
        "update topups set status = %s, failure_reason = %s, updated_at = now()"
        " where checkout_session_id = %s and status <> 'credited'",
        (status, reason, session_id),
    )


def credited_among(conn: psycopg.Connection[Any], session_ids: list[str]) -> set[str]:
    """Which of these sessions are already credited."""
    rows = conn.execute(
        "select checkout_session_id from topups"
        " where status = 'credited' and checkout_session_id = any(%s)",
        (session_ids,),
    ).fetchall()
    return {str(row[0]) for row in rows}
