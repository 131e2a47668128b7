"""Money in sentences, written as people say it (``£50.00``), converted here and only here."""

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


def format_money(pence: int) -> str:
    """5000 -> ``£50.00``, the inverse of ``parse_money``."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{rest:02d}"
