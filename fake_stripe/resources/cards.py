"""Stripe's test cards and bank accounts, and what each does.

| number | behaviour |
| --- | --- |
| 4242 4242 4242 4242 (and any other valid test number) | succeeds |
| 4000 0000 0000 0002 | declined: generic_decline |
| 4000 0000 0000 9995 | declined: insufficient_funds |
| 4000 0027 6000 3184 | 3-D Secure always required |
| 4000 0025 0000 3155 | 3-D Secure required (no saved setup in Checkout) |

Bank debit (``bacs_debit``, ``sepa_debit``): account number 00012345 settles to succeeded,
90012345 settles to failed, after ``settle_after`` seconds of fake time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum


class CardBehaviour(Enum):
    SUCCEEDS = "succeeds"
    DECLINED = "declined"
    REQUIRES_3DS = "requires_3ds"


@dataclass(frozen=True)
class Decline:
    code: str
    decline_code: str | None
    message: str


GENERIC_DECLINE = Decline("card_declined", "generic_decline", "Your card was declined.")
INSUFFICIENT_FUNDS = Decline(
    "card_declined", "insufficient_funds", "Your card has insufficient funds."
)
AUTHENTICATION_FAILED = Decline(
    "payment_intent_authentication_failure",
    None,
    "We are unable to authenticate your payment method. Please choose a different payment"
    " method and try again.",
)
DEBIT_FAILED = Decline("payment_method_not_available", "insufficient_funds", "The debit failed.")

SPECIAL_CARDS: dict[str, tuple[CardBehaviour, Decline | None]] = {
    "4000000000000002": (CardBehaviour.DECLINED, GENERIC_DECLINE),
    "4000000000009995": (CardBehaviour.DECLINED, INSUFFICIENT_FUNDS),
    "4000002760003184": (CardBehaviour.REQUIRES_3DS, None),
    "4000002500003155": (CardBehaviour.REQUIRES_3DS, None),
}
DEBIT_SUCCEEDS = "00012345"
DEBIT_FAILS = "90012345"
# ASCII digits only, as the form's inputs take them: str.isdigit() also says yes to "²" and "٣",
# which int() then refuses or reads as another digit
_DIGITS = re.compile(r"[0-9]+")
_EXPIRY = re.compile(r"([0-9]{1,2})/([0-9]{2}|[0-9]{4})")  # MM/YY or MM/YYYY


class InvalidCard(ValueError):
    """Input a checkout form refuses before any payment is attempted; the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Card:
    number: str
    exp_month: int
    exp_year: int
    cvc: str

    @property
    def last4(self) -> str:
        return self.number[-4:]

    def behaviour(self) -> tuple[CardBehaviour, Decline | None]:
        return SPECIAL_CARDS.get(self.number, (CardBehaviour.SUCCEEDS, None))


def parse_card(number: str, expiry: str, cvc: str, today: datetime | None = None) -> Card:
    """Validate as Checkout's form does: Luhn, a future MM/YY expiry, a 3- or 4-digit CVC."""
    digits = number.replace(" ", "").replace("-", "")
    if not digits:
        raise InvalidCard("number", "Your card number is incomplete.")
    if not _DIGITS.fullmatch(digits) or not 12 <= len(digits) <= 19 or not luhn_valid(digits):
        raise InvalidCard("number", "Your card number is invalid.")
    month, year = _parse_expiry(expiry)
    now = today or datetime.now(UTC)
    if (year, month) < (now.year, now.month):
        raise InvalidCard("expiry", "Your card's expiration date is in the past.")
    cvc = cvc.strip()
    if not cvc:
        raise InvalidCard("cvc", "Your card's security code is incomplete.")
    if not _DIGITS.fullmatch(cvc) or len(cvc) not in (3, 4):
        raise InvalidCard("cvc", "Your card's security code is invalid.")
    return Card(digits, month, year, cvc)


def parse_debit_account(account_number: str) -> bool:
    """True when the debit will settle as succeeded, False when it will fail."""
    number = account_number.replace(" ", "")
    if number == DEBIT_SUCCEEDS:
        return True
    if number == DEBIT_FAILS:
        return False
    raise InvalidCard(
        "account_number",
        f"Use test account number {DEBIT_SUCCEEDS} (succeeds) or {DEBIT_FAILS} (fails).",
    )


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _parse_expiry(expiry: str) -> tuple[int, int]:
    match = _EXPIRY.fullmatch(expiry.replace(" ", ""))
    if match is None:
        raise InvalidCard("expiry", "Your card's expiration date is incomplete.")
    month, year = int(match.group(1)), int(match.group(2))
    if len(match.group(2)) == 2:
        year += 2000
    if not 1 <= month <= 12:
        raise InvalidCard("expiry", "Your card's expiration month is invalid.")
    return month, year
