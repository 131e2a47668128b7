"""Drives the ledger's SQL functions and the app's terminal credit, as the app's own paths do.

The ledger features use it to act as the worker (``add_wallet_credits`` keyed on a checkout
session), a billing gate (``deduct_wallet_credits``) and support at a terminal (the profile's
``capabilities.manual_credit`` command). It talks SQL and runs commands; it imports nothing of
the app, so what it proves holds for the app as deployed.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg

from harness.profile.loading import LoadedProfile
from harness.profile.placeholders import fill, sql_with_values
from harness.records.ledger import LedgerBook, LedgerRow
from harness.stack import app

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
    """On the app's migrated, seeded database at ``database_url``; ``profile`` says where its
    ledger is, who the features' people are, and how support credits and debt limits work."""

    def __init__(self, database_url: str, profile: LoadedProfile) -> None:
        self.database_url = database_url
        self.profile = profile
        self.book = LedgerBook(profile.app.ledger)
        self.conn = psycopg.connect(database_url, autocommit=True)

    def close(self) -> None:
        self.conn.close()

    def org_id(self, email: str) -> str:
        """The organisation of a person the features name (the profile's ``[accounts]``)."""
        accounts = {name.lower(): found for name, found in self.profile.app.accounts.items()}
        account = accounts.get(email.lower())
        if account is None:
            raise LookupError(f"no login {email!r} in {self.profile.path} [accounts]")
        return account.org_id

    def balance_pence(self, email: str) -> int:
        return self.book.balance_pence(self.conn, self.org_id(email))

    def rows(self, email: str) -> list[LedgerRow]:
        return self.book.rows(self.conn, self.org_id(email))

    def topup_rows(self, session_id: str) -> list[LedgerRow]:
        return self.book.topup_rows(self.conn, session_id)

    def row_count(self) -> int:
        return self.book.row_count(self.conn)

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
        """Let the organisation go ``pence`` below zero (``capabilities.debt_limit_sql``)."""
        statement = self.profile.app.capabilities.debt_limit_sql
        if statement is None:
            raise LookupError(f"{self.profile.path} has no capabilities.debt_limit_sql")
        query, params = sql_with_values(
            statement, {"org_id": self.org_id(email), "amount_pence": pence}
        )
        self.conn.execute(query.encode(), params)

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
        """The report's manual credit, support at a terminal: the profile's
        ``capabilities.manual_credit`` command."""
        command = self.profile.app.capabilities.manual_credit
        if command is None:
            raise LookupError(f"{self.profile.path} has no capabilities.manual_credit")
        values = {
            **app.fixed_values(self.profile),
            "database_url": self.database_url,
            "org_id": org_id,
            "amount_pence": str(pence),
            "reason": reason,
        }
        return subprocess.run(
            [fill(word, values) for word in command],
            cwd=self.profile.folder,
            env=app.environment(self.profile, None, values),
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
