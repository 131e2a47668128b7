"""The money against Stripe's record: Stripe's Checkout Sessions (which were paid, for how much,
for which organisation) next to the ledger's top-up rows, and what does not add up.

Read-only; ``harness.checks.flow`` runs it after every scenario, once the stack is quiet, and the
simulation's invariants build on the same record of Stripe's sessions.
"""

from __future__ import annotations

from typing import Any

import psycopg

from harness.money import format_money
from harness.records.ledger import LedgerBook
from harness.records.ledger_invariants import check_ledger
from harness.records.stripe import StripeSession

NEVER_CREDITED = "paid, never credited"  # how a lost payment's problem starts


def flow_problems(
    conn: psycopg.Connection[Any], book: LedgerBook, sessions: list[StripeSession]
) -> list[str]:
    """The ledger invariants, then for each session: a paid one credited exactly once, for its
    amount, to its organisation (a session that names none was not a wallet top-up); an unpaid
    one never credited. Empty when the money adds up."""
    problems = [str(violation) for violation in check_ledger(conn, book)]
    for session in sessions:
        rows = book.topup_rows(conn, session.id)
        if not session.paid:
            if rows:
                problems.append(f"credited, never paid: {session.id} has {len(rows)} row(s)")
            continue
        if not rows and session.org_id is None:
            continue  # not a wallet top-up: nothing the app could credit it to
        if not rows:
            problems.append(
                f"{NEVER_CREDITED}: {session.id} ({format_money(session.amount_pence)})"
            )
            continue
        row = rows[0]  # more than one is a ledger violation above
        if row.amount_pence != session.amount_pence:
            problems.append(
                f"wrong amount: {session.id} paid {format_money(session.amount_pence)},"
                f" credited {format_money(row.amount_pence)}"
            )
        if session.org_id is not None and row.org_id != session.org_id:
            problems.append(
                f"wrong organisation: {session.id} was for {session.org_id},"
                f" credited to {row.org_id}"
            )
    return problems
