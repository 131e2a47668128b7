"""Read-only queries on the app's ledger, for assertions and diagnosis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import class_row


@dataclass(frozen=True)
class LedgerRow:
    id: int
    org_id: str
    type: str
    direction: str
    amount_pence: int
    balance_before_pence: int
    balance_after_pence: int
    stripe_payment_intent_id: str | None
    stripe_checkout_session_id: str | None
    description: str | None

    @property
    def movement(self) -> tuple[str, str, int, int, int]:
        """What the row did to the balance: type, direction, amount, balance before and after."""
        return (
            self.type,
            self.direction,
            self.amount_pence,
            self.balance_before_pence,
            self.balance_after_pence,
        )


_ROWS = """
select id, org_id::text as org_id, type, direction, amount_pence, balance_before_pence,
       balance_after_pence, stripe_payment_intent_id, stripe_checkout_session_id, description
  from credit_transactions
"""


def ledger_rows(conn: psycopg.Connection[Any], org_id: str) -> list[LedgerRow]:
    """The organisation's ledger rows, oldest first."""
    with conn.cursor(row_factory=class_row(LedgerRow)) as cur:
        return cur.execute(_ROWS + " where org_id = %s order by id", (org_id,)).fetchall()


def topup_rows(conn: psycopg.Connection[Any], checkout_session_id: str) -> list[LedgerRow]:
    """Every top-up row for one checkout session (a sound ledger has at most one)."""
    with conn.cursor(row_factory=class_row(LedgerRow)) as cur:
        return cur.execute(
            _ROWS + " where type = 'topup' and stripe_checkout_session_id = %s order by id",
            (checkout_session_id,),
        ).fetchall()


def ledger_row_count(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("select count(*) from credit_transactions").fetchone()
    return int(row[0]) if row else 0


def balance_pence(conn: psycopg.Connection[Any], org_id: str) -> int:
    """The organisation's wallet balance; ``LookupError`` when it does not exist."""
    row = conn.execute(
        "select wallet_balance_pence from organizations where id = %s", (org_id,)
    ).fetchone()
    if row is None:
        raise LookupError(f"no organisation {org_id}")
    return int(row[0])


@dataclass(frozen=True)
class SessionCredits:
    """The top-up rows of one checkout session, summed."""

    session_id: str
    rows: int
    amount_pence: int
    org_ids: tuple[str, ...]


def topup_credits_by_session(conn: psycopg.Connection[Any]) -> dict[str, SessionCredits]:
    """Every checkout session the ledger credited, with its rows counted and summed."""
    rows = conn.execute(
        "select stripe_checkout_session_id, count(*), sum(amount_pence),"
        " array_agg(distinct org_id::text)"
        " from credit_transactions where type = 'topup' and stripe_checkout_session_id is not null"
        " group by 1"
    ).fetchall()
    return {
        str(session): SessionCredits(str(session), int(n), int(total), tuple(orgs))
        for session, n, total, orgs in rows
    }
