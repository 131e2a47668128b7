"""Seed organisations and logins (``sql/seed.sql``); see README.md for the credentials."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

SEED_SQL = Path(__file__).parent / "sql" / "seed.sql"


def apply_seed(conn: psycopg.Connection[Any]) -> None:
    """Insert the seed organisations and users; existing rows are left as they are."""
    with conn.transaction():
        conn.execute(SEED_SQL.read_text())
