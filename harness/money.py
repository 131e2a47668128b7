"""Money in sentences, written as people say it (``£50.00``), converted here and only here; and
money as an app's screen writes it (an app profile's ``screen.money``, ``"£{pounds}"`` unless it
says otherwise). The ledger's side stays in pence."""

from __future__ import annotations

import re

MONEY_PATTERN = r"-?£\d{1,3}(?:,\d{3})*\.\d{2}|-?£\d+\.\d{2}"
_MONEY = re.compile(rf"(?:{MONEY_PATTERN})")


def parse_money(text: str) -> int:
    """``£50.00`` -> 5000 pence; ``-£5.00`` -> -500; ``£1,000.00`` -> 100000."""
    cleaned = text.strip()
    if not _MONEY.fullmatch(cleaned):
        raise ValueError(f"not an amount of money like £50.00: {text!r}")
    negative = cleaned.startswith("-")
    digits = cleaned.lstrip("-").removeprefix("£").replace(",", "").replace(".", "")
    pence = int(digits)
    return -pence if negative else pence


SCREEN_MONEY = "£{pounds}"  # how the features (and the report's app) write an amount


def format_money(pence: int, written: str = SCREEN_MONEY) -> str:
    """5000 -> ``£50.00``, the inverse of ``parse_money``; ``-4`` -> ``-£0.04``.

    ``written`` is how a screen writes an amount (an app profile's ``screen.money``):
    ``{pounds}`` is the amount in pounds with two decimals and commas between thousands
    (``1,234.56``), a minus sign goes in front of it all, and doubled braces are literal ones
    (``str.format``): ``"${pounds}"`` writes ``$50.00``, ``"{pounds} GBP"`` ``50.00 GBP``.
    """
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return sign + written.format(pounds=f"{pounds:,}.{rest:02d}")


def whole_money(pence: int, written: str = SCREEN_MONEY) -> str | None:
    """A whole amount as a screen may also write it, without the pence: 5000 -> ``£50``,
    100000 -> ``£1,000``; None when there are pence (1250)."""
    if pence < 0 or pence % 100:
        return None
    return written.format(pounds=f"{pence // 100:,}")


def plain_pounds(pence: int) -> str:
    """The amount as a person types it into an amount field: 5000 -> ``50.00``,
    123456 -> ``1234.56`` (no currency, no commas)."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}{pounds}.{rest:02d}"
