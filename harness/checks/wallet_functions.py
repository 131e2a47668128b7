"""The wallet's ledger functions on a database of their own (the ledger features, no stack):
balances, rows, what a credit or a charge reported, and what the terminal credit printed.

Nothing runs in the background there, so these checks read at once.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from harness.drivers.ledger import LedgerDriver, Outcome
from harness.money import format_money

# what a failed check here is about, when no stage of the flow broke (harness.diagnosis.blame)
FAILURE_STAGE = "ledger"
FAILURE_STAGES = {"balance_is": "balance", "charge_refused_for_insufficient_funds": "billing"}

INSUFFICIENT_FUNDS = "WL001"  # the SQLSTATE deduct_wallet_credits refuses a debit with


def balance_is(ledger: LedgerDriver, email: str, amount: int) -> None:
    actual = ledger.balance_pence(email)
    if actual != amount:
        raise AssertionError(f"balance of {email} is {format_money(actual)}")


def ledger_holds_rows(ledger: LedgerDriver, email: str, count: int) -> None:
    rows = ledger.rows(email)
    if len(rows) != count:
        raise AssertionError(f"{len(rows)} ledger rows: {rows}")


def latest_row_is(
    ledger: LedgerDriver,
    email: str,
    kind: str,
    direction: str,
    amount: int,
    before: int,
    after: int,
) -> None:
    """``email``'s latest row is a ``kind`` ``direction`` of ``amount`` from ``before`` to
    ``after``."""
    rows = ledger.rows(email)
    if not rows:
        raise AssertionError(f"{email} has no ledger rows")
    if rows[-1].movement != (kind, direction, amount, before, after):
        raise AssertionError(rows[-1])


def one_topup_row(ledger: LedgerDriver, session: str, payment: str | None = None) -> None:
    """The checkout session has exactly one top-up row (naming ``payment``, when given)."""
    rows = ledger.topup_rows(session)
    if len(rows) != 1:
        raise AssertionError(f"{len(rows)} top-up rows for {session}: {rows}")
    if payment is not None and rows[0].stripe_payment_intent_id != payment:
        raise AssertionError(rows[0])


def credit_already_applied(outcome: Outcome) -> None:
    """The credit was neither refused nor applied: the session had been credited before."""
    if outcome.refused:
        raise AssertionError(outcome.reason)
    if outcome.applied:
        raise AssertionError("the credit applied a second time")


def credits_applied(outcomes: Sequence[Outcome], count: int) -> None:
    """None of the credits was refused, and exactly ``count`` of them applied."""
    refused = [o for o in outcomes if o.refused]
    if refused:
        raise AssertionError(f"refused: {refused[:3]}")
    applied = sum(o.applied for o in outcomes)
    if applied != count:
        raise AssertionError(f"{applied} of the credits applied, not {count}")


def credit_refused(outcome: Outcome, reason: str) -> None:
    if not outcome.refused:
        raise AssertionError(f"the credit was not refused: {outcome}")
    if reason not in (outcome.reason or ""):
        raise AssertionError(outcome.reason)


def charge_refused_for_insufficient_funds(outcome: Outcome) -> None:
    if outcome.sqlstate != INSUFFICIENT_FUNDS:
        raise AssertionError(f"expected insufficient funds, got {outcome}")


def terminal_says(terminal: subprocess.CompletedProcess[str], message: str) -> None:
    """``message`` is in what the terminal credit printed (standard output or error)."""
    output = terminal.stdout + terminal.stderr
    if message not in output:
        raise AssertionError(output)


def no_ledger_row_written(ledger: LedgerDriver) -> None:
    written = ledger.row_count()
    if written != 0:
        raise AssertionError(f"{written} ledger row(s) were written")
