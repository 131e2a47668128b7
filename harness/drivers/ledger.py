"""Drives the ledger's SQL functions and the app's terminal credit, as the app's own paths do.

The ledger features use it to act as the worker (``add_wallet_credits`` keyed on a checkout
session), a billing gate (``deduct_wallet_credits``) and support at a terminal
(``python -m reference_app credit``). It talks SQL and runs commands; it imports nothing of the
app, so what it proves holds for the app as deployed.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg

from harness.records import ledger

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    """What one call to a wallet function did: applied, already applied, or refused."""

    applied: bool
    balance_after_pence: int | None = None
    sqlstate: str | None = None  # set when refused
    reason: str | None = None

    @property
    def refused(self) -> bool:
        return self.sqlstate is not None


def race(database_url: str, calls: list[Callable[[psycopg.Connection[Any]], T]]) -> list[T]:
    """Run each call on its own connection, all released at once; results in call order."""
    connections = [psycopg.connect(database_url, autocommit=True) for _ in calls]
    barrier = threading.Barrier(len(calls))

    def run(index: int) -> T:
        barrier.wait(timeout=30)
        return calls[index](connections[index])

    try:
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            return list(pool.map(run, range(len(calls))))
    finally:
        for connection in connections:
            connection.close()


class LedgerDriver:
    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.conn = psycopg.connect(database_url, autocommit=True)

    def close(self) -> None:
        self.conn.close()

    def org_id(self, email: str) -> str:
        row = self.conn.execute(
            "select id::text from organizations where email = %s", (email,)
        ).fetchone()
        if row is None:
            raise LookupError(f"no organisation with email {email!r}")
        return str(row[0])

    def balance_pence(self, email: str) -> int:
        return ledger.balance_pence(self.conn, self.org_id(email))

    def rows(self, email: str) -> list[ledger.LedgerRow]:
        return ledger.ledger_rows(self.conn, self.org_id(email))

    def topup_rows(self, session_id: str) -> list[ledger.LedgerRow]:
        return ledger.topup_rows(self.conn, session_id)

    def row_count(self) -> int:
        return ledger.ledger_row_count(self.conn)

    def open_balance(self, email: str, pence: int) -> None:
        """Bring a fresh organisation's balance to ``pence`` with an opening adjustment."""
        current = self.balance_pence(email)
        if current != 0 or pence < 0:
            raise ValueError(f"{email} starts at {current} pence; can only open from zero upwards")
        if pence > 0:
            outcome = _call(
                self.conn,
                "select applied, balance_after_pence"
                " from add_wallet_credits(%s, %s, 'adjustment', null, null, 'opening balance')",
                (self.org_id(email), pence),
            )
            if outcome.refused:
                raise RuntimeError(f"opening balance refused: {outcome.reason}")

    def allow_debt(self, email: str, pence: int) -> None:
        self.conn.execute(
            "update organizations set debt_limit_pence = %s where email = %s", (pence, email)
        )

    def credit_checkout_session(
        self, session_id: str, email: str, pence: int, payment_intent_id: str | None = None
    ) -> Outcome:
        """What the app's fulfilment does once Stripe says the session is paid."""
        return _credit_session(self.conn, session_id, self.org_id(email), pence, payment_intent_id)

    def credit_checkout_session_at_once(
        self, session_id: str, email: str, pence: int, callers: int
    ) -> list[Outcome]:
        org_id = self.org_id(email)

        def one(conn: psycopg.Connection[Any]) -> Outcome:
            return _credit_session(conn, session_id, org_id, pence, None)

        return race(self.database_url, [one] * callers)

    def charge(self, email: str, pence: int, kind: str) -> Outcome:
        """What a billing gate does: debit the wallet or be refused."""
        return _call(
            self.conn,
            "select true, balance_after_pence from deduct_wallet_credits(%s, %s, %s, %s)",
            (self.org_id(email), pence, kind, f"{kind} charge"),
        )

    def terminal_credit(
        self, org_id: str, pence: int, reason: str
    ) -> subprocess.CompletedProcess[str]:
        """The report's manual credit: ``python -m reference_app credit``."""
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "reference_app",
                "credit",
                "--database-url",
                self.database_url,
                "--org",
                org_id,
                "--amount-pence",
                str(pence),
                "--reason",
                reason,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


def _credit_session(
    conn: psycopg.Connection[Any],
    session_id: str,
    org_id: str,
    pence: int,
    payment_intent_id: str | None,
) -> Outcome:
    return _call(
        conn,
        "select applied, balance_after_pence"
        " from add_wallet_credits(%s, %s, 'topup', %s, %s, 'Top-up')",
        (org_id, pence, payment_intent_id, session_id),
    )


def _call(conn: psycopg.Connection[Any], query: str, params: tuple[object, ...]) -> Outcome:
    try:
        row = conn.execute(query, params).fetchone()
    except psycopg.Error as exc:
        return Outcome(
            applied=False, sqlstate=exc.sqlstate, reason=exc.diag.message_primary or str(exc)
        )
    assert row is not None
    return Outcome(applied=bool(row[0]), balance_after_pence=int(row[1]))
