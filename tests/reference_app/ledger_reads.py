"""The reference app's ledger and records as the harness reads them, through the queries of
its profile (``reference_app/wallet-harness.toml``, whose ``[ledger]`` is the report's
defaults)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from harness.profile.loading import load_profile
from harness.records.app_records import AppRecords
from harness.records.ledger import LedgerBook, LedgerRow
from harness.records.ledger_invariants import Violation
from harness.records.ledger_invariants import assert_ledger_sound as assert_sound
from harness.records.ledger_invariants import check_ledger as check

Conn = psycopg.Connection[Any]
PROFILE = load_profile(Path(__file__).parents[2] / "reference_app" / "wallet-harness.toml")
BOOK = LedgerBook(PROFILE.app.ledger)
RECORDS = AppRecords(PROFILE.app.capabilities)


def balance_pence(conn: Conn, org_id: str) -> int:
    return BOOK.balance_pence(conn, org_id)


def ledger_rows(conn: Conn, org_id: str) -> list[LedgerRow]:
    return BOOK.rows(conn, org_id)


def topup_rows(conn: Conn, session_id: str) -> list[LedgerRow]:
    return BOOK.topup_rows(conn, session_id)


def ledger_row_count(conn: Conn) -> int:
    return BOOK.row_count(conn)


def check_ledger(conn: Conn) -> list[Violation]:
    return check(conn, BOOK)


def assert_ledger_sound(conn: Conn) -> None:
    assert_sound(conn, BOOK)
