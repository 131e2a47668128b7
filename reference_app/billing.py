"""Billing gates from the bug report, on top of the ledger.

- provisioning a phone number charges a fixed price;
- sending an SMS charges per message and is refused when the wallet cannot pay for it;
- a call is authorised only while the balance is at or above a minimum (nothing is charged).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg

from reference_app.ledger import (
    DebitResult,
    InvalidLedgerRequest,
    deduct_wallet_credits,
    wallet_balance_pence,
)
from reference_app.money import format_pence
from reference_app.settings import BillingPrices

# E.164: a plus, a country code that does not start with 0, at most 15 digits in all (ASCII
# digits: \d also matches other scripts' digits, such as Arabic-Indic ones)
_PHONE_NUMBER = re.compile(r"\+[1-9][0-9]{6,14}")
SMS_MAX_LENGTH = 1600


@dataclass(frozen=True)
class CallAuthorisation:
    allowed: bool
    reason: str
    balance_pence: int


def provision_phone_number(
    conn: psycopg.Connection[Any],
    org_id: uuid.UUID | str,
    phone_number: str,
    prices: BillingPrices,
) -> DebitResult:
    """Charge for a phone number, or raise ``InsufficientFunds`` and charge nothing."""
    number = _checked_phone_number(phone_number)
    return deduct_wallet_credits(
        conn,
        org_id,
        prices.phone_number_pence,
        "phone_number",
        description=f"Phone number {number}",
    )


def send_sms(
    conn: psycopg.Connection[Any],
    org_id: uuid.UUID | str,
    to: str,
    body: str,
    prices: BillingPrices,
) -> DebitResult:
    """Charge for one SMS, or raise ``InsufficientFunds`` (the message must not be sent)."""
    number = _checked_phone_number(to)
    if not body.strip():
        raise InvalidLedgerRequest("an SMS needs a non-empty body")
    if len(body) > SMS_MAX_LENGTH:
        raise InvalidLedgerRequest(
            f"an SMS body is at most {SMS_MAX_LENGTH} characters, got {len(body)}"
        )
    return deduct_wallet_credits(
        conn, org_id, prices.sms_pence, "sms", description=f"SMS to {number}"
    )


def authorise_call(
    conn: psycopg.Connection[Any], org_id: uuid.UUID | str, prices: BillingPrices
) -> CallAuthorisation:
    """Allow a call only while the balance is at least the minimum; say why when not."""
    balance = wallet_balance_pence(conn, org_id)
    minimum = prices.call_minimum_balance_pence
    if balance < minimum:
        return CallAuthorisation(
            allowed=False,
            reason=(
                f"balance {format_pence(balance)} is below the {format_pence(minimum)}"
                " needed to start a call; top up the wallet"
            ),
            balance_pence=balance,
        )
    return CallAuthorisation(
        allowed=True, reason="balance covers the call minimum", balance_pence=balance
    )


def _checked_phone_number(phone_number: str) -> str:
    number = phone_number.replace(" ", "")
    if not _PHONE_NUMBER.fullmatch(number):
        raise InvalidLedgerRequest(
            f"phone number must be in E.164 form such as +447700900123, got {phone_number!r}"
        )
    return number
