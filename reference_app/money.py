"""Money as people read it."""

from __future__ import annotations


def format_pence(pence: int) -> str:
    """Pence as pounds: ``5000`` -> ``£50.00``, ``-4`` -> ``-£0.04``, ``123456`` -> ``£1,234.56``.

    Pence are integers throughout; this is only for people to read.
    """
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{rest:02d}"
