"""Read-only queries on the app's ledger, for assertions and diagnosis, through the SQL its
profile gives (``[ledger]``: every organisation's balance, every ledger row). The harness wraps
those queries with its own filters and order, so a profile writes no placeholders; it names no
table of any app itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row

from harness.profile.model import Ledger
from harness.records.profile_queries import check_query


@dataclass(frozen=True)
class LedgerRow:
    id: int
    org_id: str
    type: str
    direction: str
    amount_pence: int
    balance_before_pence: int
    balance_after_pence: int
    stripe_payment_intent_id: str | None
    stripe_checkout_session_id: str | None
    description: str | None
    created: datetime | None = None

    @property
    def movement(self) -> tuple[str, str, int, int, int]:
        """What the row did to the balance: type, direction, amount, balance before and after."""
        return (
            self.type,
            self.direction,
            self.amount_pence,
            self.balance_before_pence,
            self.balance_after_pence,
        )


ROW_COLUMNS = (
    "id",  # orders an organisation's rows: each row starts where the one before it ended
    "org_id",
    "type",  # 'topup' for a top-up
    "direction",  # 'credit' or 'debit'
    "amount_pence",
    "balance_before_pence",
    "balance_after_pence",
    "stripe_payment_intent_id",
    "stripe_checkout_session_id",
    "description",
    "created",
)
BALANCE_COLUMNS = ("org_id", "balance_pence")


@dataclass(frozen=True)
class SessionCredits:
    """The top-up rows of one checkout session, summed."""

    session_id: str
    rows: int
    amount_pence: int
    org_ids: tuple[str, ...]


class LedgerBook:
    """The app's ledger as its profile's ``[ledger]`` queries show it."""

    def __init__(self, ledger: Ledger) -> None:
        self.rows_sql = ledger.rows_sql.strip().rstrip(";")
        self.balances_sql = ledger.balances_sql.strip().rstrip(";")

    @property
    def rows_table(self) -> str:
        """Every ledger row, as a subquery to select from (``... from <this> t``)."""
        columns = ", ".join(ROW_COLUMNS)
        return f"(select {columns} from ({self.rows_sql}) ledger_rows)"

    @property
    def balances_table(self) -> str:
        return f"(select org_id::text as org_id, balance_pence from ({self.balances_sql}) b)"

    def _rows(
        self, conn: psycopg.Connection[Any], where: str, params: tuple[object, ...]
    ) -> list[LedgerRow]:
        query = f"select * from {self.rows_table} t where {where} order by id"
        with conn.cursor(row_factory=class_row(LedgerRow)) as cur:
            return cur.execute(query.encode(), params).fetchall()

    def rows(self, conn: psycopg.Connection[Any], org_id: str) -> list[LedgerRow]:
        """The organisation's ledger rows, oldest first."""
        return self._rows(conn, "org_id::text = %s", (org_id,))

    def topup_rows(self, conn: psycopg.Connection[Any], session_id: str) -> list[LedgerRow]:
        """Every top-up row for one checkout session (a sound ledger has at most one)."""
        return self._rows(conn, "type = 'topup' and stripe_checkout_session_id = %s", (session_id,))

    def row_count(self, conn: psycopg.Connection[Any]) -> int:
        row = conn.execute(f"select count(*) from ({self.rows_sql}) t".encode()).fetchone()
        return int(row[0]) if row else 0

    def balance_pence(self, conn: psycopg.Connection[Any], org_id: str) -> int:
        """The organisation's wallet balance; ``LookupError`` when it does not exist."""
        query = f"select balance_pence from {self.balances_table} b where org_id = %s"
        row = conn.execute(query.encode(), (org_id,)).fetchone()
        if row is None:
            raise LookupError(f"no organisation {org_id}")
        return int(row[0])

    def balances(self, conn: psycopg.Connection[Any]) -> dict[str, int]:
        """Every organisation's balance."""
        rows = conn.execute(f"select org_id, balance_pence from {self.balances_table} b".encode())
        return {str(org): int(pence) for org, pence in rows.fetchall()}

    def topup_credits_by_session(self, conn: psycopg.Connection[Any]) -> dict[str, SessionCredits]:
        """Every checkout session the ledger credited, with its rows counted and summed."""
        rows = conn.execute(
            (
                "select stripe_checkout_session_id, count(*), sum(amount_pence),"
                f" array_agg(distinct org_id::text) from {self.rows_table} t"
                " where type = 'topup' and stripe_checkout_session_id is not null group by 1"
            ).encode()
        ).fetchall()
        return {
            str(session): SessionCredits(str(session), int(n), int(total), tuple(orgs))
            for session, n, total, orgs in rows
        }

    def check_columns(self, conn: psycopg.Connection[Any], source: str = "the profile") -> None:
        """``ProfileQueryError`` when a ``[ledger]`` query cannot serve the checks."""
        check_query(conn, source, "ledger.rows_sql", self.rows_sql, ROW_COLUMNS)
        check_query(conn, source, "ledger.balances_sql", self.balances_sql, BALANCE_COLUMNS)
