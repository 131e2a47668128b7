"""One organisation's ledger rows read as a chain, for "then" steps: each row starts where the
one before it ended, and its arithmetic holds. (``ledger_invariants`` checks the same for every
organisation in SQL; this says, for a scenario's rows, where exactly the chain breaks.)"""

from __future__ import annotations

from collections.abc import Sequence

from harness.money import format_money
from harness.records.ledger import LedgerRow


def describe(rows: Sequence[LedgerRow]) -> str:
    """The rows as lines, for an assertion's message."""
    return (
        "\n".join(
            f"  #{row.id} {row.type} {row.direction} {format_money(row.amount_pence)}:"
            f" {format_money(row.balance_before_pence)} -> {format_money(row.balance_after_pence)}"
            f" ({row.stripe_checkout_session_id or row.description or '-'})"
            for row in rows
        )
        or "  (no rows)"
    )


def chain_breaks(rows: Sequence[LedgerRow], start_pence: int) -> list[str]:
    """Where the chain from ``start_pence`` breaks, row by row (empty when it holds)."""
    breaks = []
    balance = start_pence
    for row in rows:
        if row.balance_before_pence != balance:
            breaks.append(
                f"#{row.id} starts at {format_money(row.balance_before_pence)},"
                f" the row before ended at {format_money(balance)}"
            )
        sign = 1 if row.direction == "credit" else -1
        if row.balance_after_pence != row.balance_before_pence + sign * row.amount_pence:
            breaks.append(f"#{row.id}: {row.direction} arithmetic does not hold")
        balance = row.balance_after_pence
    return breaks
