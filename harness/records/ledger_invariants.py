"""Ledger invariants, checked read-only against the app's database through its profile's
``[ledger]`` queries (``harness.records.ledger.LedgerBook``).

They hold whatever happened to the webhooks on the way; the harness checks them after every
scenario and the simulation suite after every run:

- every ledger row's arithmetic: after = before +/- amount;
- per organisation, ordered by the rows' ``id``, an unbroken chain: the first row
  starts at 0, each row starts where the previous one ended;
- per organisation: its balance = credits - debits = the last row's balance after;
- at most one ``topup`` row per checkout session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from harness.records.ledger import LedgerBook


@dataclass(frozen=True)
class Violation:
    rule: str
    subject: str  # the organisation or checkout session it concerns
    detail: str

    def __str__(self) -> str:
        return f"{self.rule} [{self.subject}]: {self.detail}"


_ARITHMETIC = """
select id, org_id, direction, amount_pence, balance_before_pence, balance_after_pence
  from {rows} t
 where balance_after_pence <> case direction
           when 'credit' then balance_before_pence + amount_pence
           else balance_before_pence - amount_pence end
 order by id
"""

_CHAIN = """
select id, org_id, balance_before_pence, expected_before
  from (select id, org_id, balance_before_pence,
               coalesce(lag(balance_after_pence) over (partition by org_id order by id), 0)
                   as expected_before
          from {rows} t) chained
 where balance_before_pence <> expected_before
 order by id
"""

_BALANCES = """
select o.org_id, o.balance_pence,
       coalesce(sum(case t.direction when 'credit' then t.amount_pence
                                     else -t.amount_pence end), 0) as net_pence,
       coalesce((array_agg(t.balance_after_pence order by t.id desc))[1], 0) as last_after
  from {balances} o
  left join {rows} t on t.org_id = o.org_id
 group by o.org_id, o.balance_pence
having o.balance_pence <> coalesce(sum(case t.direction when 'credit' then t.amount_pence
                                                        else -t.amount_pence end), 0)
    or o.balance_pence <> coalesce((array_agg(t.balance_after_pence order by t.id desc))[1], 0)
 order by o.org_id
"""

_DUPLICATE_TOPUPS = """
select stripe_checkout_session_id, count(*), sum(amount_pence)
  from {rows} t
 where type = 'topup'
 group by stripe_checkout_session_id
having count(*) > 1
 order by stripe_checkout_session_id
"""


def _run(conn: psycopg.Connection[Any], book: LedgerBook, query: str) -> list[tuple[Any, ...]]:
    text = query.format(rows=book.rows_table, balances=book.balances_table)
    return conn.execute(text.encode()).fetchall()


def check_ledger(conn: psycopg.Connection[Any], book: LedgerBook) -> list[Violation]:
    """Every invariant broken in the database, in a stable order; empty when the ledger is sound."""
    violations: list[Violation] = []
    for row_id, org_id, direction, amount, before, after in _run(conn, book, _ARITHMETIC):
        violations.append(
            Violation(
                "row arithmetic",
                str(org_id),
                f"row {row_id}: {before} {'+' if direction == 'credit' else '-'} {amount}"
                f" != {after}",
            )
        )
    for row_id, org_id, before, expected in _run(conn, book, _CHAIN):
        violations.append(
            Violation(
                "balance chain",
                str(org_id),
                f"row {row_id} starts at {before} but the previous row ended at {expected}",
            )
        )
    for org_id, balance, net, last_after in _run(conn, book, _BALANCES):
        violations.append(
            Violation(
                "balance = credits - debits",
                str(org_id),
                f"the balance is {balance}, credits - debits is {net},"
                f" last ledger row ends at {last_after}",
            )
        )
    for session_id, count, total in _run(conn, book, _DUPLICATE_TOPUPS):
        violations.append(
            Violation(
                "one top-up per checkout session",
                str(session_id),
                f"{count} topup rows totalling {total} pence",
            )
        )
    return violations


class LedgerInvariantError(AssertionError):
    """The ledger broke an invariant; the message lists every violation."""


def assert_ledger_sound(conn: psycopg.Connection[Any], book: LedgerBook) -> None:
    """Raise ``LedgerInvariantError`` listing every violation, if there is any."""
    violations = check_ledger(conn, book)
    if violations:
        lines = "\n".join(f"  - {violation}" for violation in violations)
        raise LedgerInvariantError(f"ledger invariants broken:\n{lines}")
