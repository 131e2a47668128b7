"""Currencies the fake accepts, with Stripe's minimum charge amounts (smallest unit)."""

MINIMUM_CHARGE = {"gbp": 30, "usd": 50, "eur": 50}
MAXIMUM_CHARGE = 99_999_999
SYMBOLS = {"gbp": "£", "usd": "$", "eur": "€"}


def format_amount(amount: int, currency: str) -> str:
    """``5000, "gbp"`` -> ``£50.00``."""
    whole, cents = divmod(amount, 100)
    return f"{SYMBOLS.get(currency, currency.upper() + ' ')}{whole:,}.{cents:02d}"
