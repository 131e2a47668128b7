"""The wallet ledger: the Python face of ``add_wallet_credits`` and ``deduct_wallet_credits``.

The SQL functions (migrations/0003) are the single way money moves. This module validates
Python-side types, calls them atomically (one statement on a connection in autocommit is its own
transaction; inside a transaction the caller has open, a savepoint keeps that transaction usable
after a refusal) and turns their SQLSTATEs into exceptions with the database's own message.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import pq

# SQLSTATEs raised by the wallet functions (migrations/0003_wallet_functions.sql).
INVALID_ARGUMENT = "22023"
INSUFFICIENT_FUNDS = "WL001"
UNKNOWN_ORGANISATION = "WL002"
SESSION_ALREADY_CREDITED = "WL003"

CREDIT_TYPES = ("topup", "refund", "adjustment")
DEBIT_TYPES = ("call", "sms", "phone_number", "refund", "adjustment")


class LedgerError(Exception):
    """A wallet operation was refused; nothing was written."""


class InvalidLedgerRequest(LedgerError):
    """Bad input: malformed id, non-integer or out-of-range amount, unknown type."""


class UnknownOrganisation(LedgerError):
    """No organisation has that id."""


class InsufficientFunds(LedgerError):
    """The debit would take the balance below the organisation's debt limit."""


class CheckoutSessionConflict(LedgerError):
    """The checkout session was already credited with another organisation or amount."""


_ERRORS_BY_SQLSTATE: dict[str, type[LedgerError]] = {
    INVALID_ARGUMENT: InvalidLedgerRequest,
    INSUFFICIENT_FUNDS: InsufficientFunds,
    UNKNOWN_ORGANISATION: UnknownOrganisation,
    SESSION_ALREADY_CREDITED: CheckoutSessionConflict,
}


@dataclass(frozen=True)
class CreditResult:
    transaction_id: int | None  # None only under the ledger-row-missing defect: no row written
    balance_after_pence: int
    applied: bool  # False: this checkout session had already been credited; nothing changed


@dataclass(frozen=True)
class DebitResult:
    transaction_id: int
    balance_after_pence: int


# the credit's call, for a statement that uses its row; its arguments: the organisation and
# the amount (``checked``), the type, the payment intent, the checkout session, the description
CREDIT_CALL = "add_wallet_credits(%s, %s, %s, %s, %s, %s)"


def add_wallet_credits(
    conn: psycopg.Connection[Any],
    org_id: uuid.UUID | str,
    amount_pence: int,
    type: str,
    *,
    stripe_payment_intent_id: str | None = None,
    stripe_checkout_session_id: str | None = None,
    description: str | None = None,
) -> CreditResult:
    """Credit the wallet; idempotent per checkout session for top-ups."""
    row = _call(
        conn,
        f"select transaction_id, balance_after_pence, applied from {CREDIT_CALL}",  # noqa: S608
        (
            *checked(org_id, amount_pence),
            type,
            stripe_payment_intent_id,
            stripe_checkout_session_id,
            description,
        ),
    )
    return CreditResult(transaction_id=row[0], balance_after_pence=row[1], applied=row[2])


def checked(org_id: uuid.UUID | str, amount_pence: int) -> tuple[uuid.UUID, int]:
    """The organisation and the amount as the wallet functions take them, or
    ``InvalidLedgerRequest`` before any query."""
    return _org_uuid(org_id), _whole_pence(amount_pence)


def deduct_wallet_credits(
    conn: psycopg.Connection[Any],
    org_id: uuid.UUID | str,
    amount_pence: int,
    type: str,
    *,
    description: str | None = None,
) -> DebitResult:
    """Debit the wallet, or raise ``InsufficientFunds`` and write nothing."""
    row = _call(
        conn,
        "select transaction_id, balance_after_pence from deduct_wallet_credits(%s, %s, %s, %s)",
        (*checked(org_id, amount_pence), type, description),
    )
    return DebitResult(transaction_id=row[0], balance_after_pence=row[1])


def wallet_balance_pence(conn: psycopg.Connection[Any], org_id: uuid.UUID | str) -> int:
    """The organisation's current balance."""
    row = conn.execute(
        "select wallet_balance_pence from organizations where id = %s", (_org_uuid(org_id),)
    ).fetchone()
    if row is None:
        raise UnknownOrganisation(f"unknown organisation {org_id}")
    balance: int = row[0]
    return balance


def _call(conn: psycopg.Connection[Any], query: str, params: tuple[object, ...]) -> tuple[Any, ...]:
    with refusals(), atomic(conn):
        row = conn.execute(query, params).fetchone()
    assert row is not None, "the wallet functions always return one row"
    return tuple(row)


def atomic(conn: psycopg.Connection[Any]) -> AbstractContextManager[object]:
    """Where one statement that moves money runs whole or not at all, and a refusal leaves the
    connection usable: on a connection in autocommit with no transaction open the statement is
    its own transaction, so it runs as it is (a BEGIN and COMMIT would be two more round trips);
    otherwise in a transaction of its own, a savepoint inside the caller's."""
    idle = conn.info.transaction_status == pq.TransactionStatus.IDLE
    return nullcontext() if conn.autocommit and idle else conn.transaction()


@contextmanager
def refusals() -> Iterator[None]:
    """The wallet functions' refusals, raised inside, as ``LedgerError``s with the database's
    own message; any other database error as it is."""
    try:
        yield
    except psycopg.Error as exc:
        error_class = _ERRORS_BY_SQLSTATE.get(exc.sqlstate or "")
        if error_class is None:
            raise
        raise error_class(exc.diag.message_primary or str(exc)) from exc


def _org_uuid(org_id: uuid.UUID | str) -> uuid.UUID:
    if isinstance(org_id, uuid.UUID):
        return org_id
    try:
        return uuid.UUID(str(org_id))
    except ValueError:
        raise InvalidLedgerRequest(f"organisation id must be a UUID, got {org_id!r}") from None


def _whole_pence(amount_pence: object) -> int:
    # bool is an int subclass; True pence is a bug, not an amount
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int):
        raise InvalidLedgerRequest(
            f"amount_pence must be a whole number of pence, got {amount_pence!r}"
        )
    if not -(2**63) <= amount_pence < 2**63:  # past bigint the database's own check never runs
        raise InvalidLedgerRequest(
            f"amount_pence is beyond any amount a wallet holds, got {amount_pence}"
        )
    return amount_pence
