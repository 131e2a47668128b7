"""The app's database for ``wallet-harness profile check``: a fresh one on the server (a
throwaway one unless ``--db-url``), migrated and seeded as the profile says; its queries checked
for their columns; its rows counted per table after the seed and once the app has started, so
that after the profile's reset the tables that hold more (left behind) or fewer (what the app
wrote at start-up, emptied) are named, and the balances compared with the seed's.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from typing import Any

import psycopg
from psycopg import sql

from harness.cli.profile_findings import CheckFailed, last_lines
from harness.postgres.pg_process import LocalClusterError
from harness.postgres.server import NoPostgresAvailable, ServerUrlUnreachable, postgres_server
from harness.profile.loading import LoadedProfile
from harness.project import shown
from harness.records.app_records import AppRecords
from harness.records.ledger import LedgerBook
from harness.records.profile_queries import ProfileQueryError
from harness.stack.schema import SchemaSetupError, migrate_and_seed

Counts = dict[str, int]


class AppDatabase:
    def __init__(self, profile: LoadedProfile, db_url: str | None) -> None:
        self.profile = profile
        self.app = profile.app
        self.db_url = db_url
        self.url = ""  # once created
        self.ledger = LedgerBook(self.app.ledger)
        self.seeded: Counts = {}  # rows per table right after the seed
        self.started: Counts = {}  # and once the app has started
        self.seed_balances: dict[str, int] = {}

    def create(self, resources: ExitStack) -> str:
        """A fresh database, dropped with ``resources``, migrated and seeded."""
        try:
            server = resources.enter_context(postgres_server(self.db_url))
        except (NoPostgresAvailable, ServerUrlUnreachable, LocalClusterError) as error:
            raise CheckFailed(
                f"no PostgreSQL: {str(error).splitlines()[0]}",
                "pass --db-url URL of a server you run, or install PostgreSQL (docs/postgres.md)",
            ) from None
        self.url = server.create_database(prefix="wallet_check")
        resources.callback(server.drop_database, self.url)
        began = time.perf_counter()
        try:
            migrate_and_seed(self.url, self.profile)
        except SchemaSetupError as error:
            first, *rest = str(error).splitlines() or [""]
            raise CheckFailed(
                first,
                "run it by hand on an empty database (DATABASE_URL as the profile passes it) in"
                f" {shown(self.profile.folder)} and fix what it says",
                last_lines("\n".join(rest)),
            ) from None
        seconds = time.perf_counter() - began
        self.seeded = self.row_counts()
        rows = sum(self.seeded.values())
        return f"{len(self.seeded)} tables, {rows} rows after the seed ({seconds:.1f} s)"

    def check_queries(self) -> str:
        source = shown(self.profile.path)
        with self.connect() as conn:
            try:
                self.ledger.check_columns(conn, source)
                AppRecords(self.app.capabilities).check_columns(conn, source)
            except ProfileQueryError as error:
                first, *rest = str(error).removeprefix(f"{source}: ").splitlines()
                raise CheckFailed(
                    first,
                    "alias the app's columns to the names the harness reads, with `as`; a"
                    " query that does not run: try it in psql on the migrated database"
                    " (docs/app-profile.md [ledger], [capabilities])",
                    [line.strip() for line in rest],
                ) from None
            self.seed_balances = self.ledger.balances(conn)
        return f"each returns its columns; the seed has {len(self.seed_balances)} organisation(s)"

    def note_started(self) -> None:
        self.started = self.row_counts()

    def compared(self) -> list[str]:
        """The tables a reset answers for: all but those a snapshot reset keeps as they are."""
        snapshot = self.app.database.reset.snapshot
        kept = set(snapshot.keep) if snapshot is not None else set()
        return [table for table in self.started if _table(table) not in kept]

    def changed(self) -> list[str]:
        now = self.row_counts()
        return [table for table in self.compared() if now.get(table) != self.started[table]]

    def check_reset(self, kind: str) -> str:
        """``CheckFailed`` naming each table whose rows differ from the start, and each
        balance that differs from the seed's, after a reset."""
        after = self.row_counts()
        compared = self.compared()
        left = [t for t in compared if after.get(t, 0) > self.started[t]]
        gone = [t for t in compared if after.get(t, 0) < self.started[t]]
        with self.connect() as conn:
            balances = self.ledger.balances(conn)
        moved = [org for org, pence in balances.items() if self.seed_balances.get(org) != pence]
        if left or gone or moved:
            off = [
                f"{_table(t)} {after.get(t, 0)} rows ({self.started[t]} at the start)"
                for t in sorted(left + gone)
            ]
            off += [
                f"{org} holds {balances[org]} pence (seed {self.seed_balances.get(org)})"
                for org in moved
            ]
            raise CheckFailed(
                "after the reset: " + "; ".join(off),
                reset_fix(kind, bool(left or moved), [_table(t) for t in gone]),
            )
        return (
            f"every table holds its rows from the start ({len(compared)} compared) and every"
            " balance is the seed's"
        )

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.url, autocommit=True)

    def row_counts(self) -> Counts:
        """Rows in each table of the app's schemas (not PostgreSQL's own)."""
        with self.connect() as conn:
            tables = conn.execute(
                "select table_schema, table_name from information_schema.tables"
                " where table_type = 'BASE TABLE'"
                " and table_schema not in ('pg_catalog', 'information_schema') order by 1, 2"
            ).fetchall()
            counts = {}
            for schema, table in tables:
                query = sql.SQL("select count(*) from {}.{}").format(
                    sql.Identifier(schema), sql.Identifier(table)
                )
                row = conn.execute(query).fetchone()
                counts[f"{schema}.{table}"] = int(row[0]) if row else 0
            return counts


def reset_fix(kind: str, left: bool, gone: list[str]) -> str:
    fixes = []
    if gone and kind == "snapshot":
        fixes.append(
            f"add {', '.join(gone)} to database.reset.snapshot.keep: the app wrote those rows"
            " at start-up and needs them"
        )
    elif gone:
        fixes.append(
            f"database.reset.{kind} must keep what the app wrote at start-up ({', '.join(gone)})"
        )
    if left or not fixes:
        fixes.append(
            "database.reset.snapshot.keep must name only tables the app fills once at start-up"
            " (migration bookkeeping, its webhook endpoint, worker registrations)"
            if kind == "snapshot"
            else f"database.reset.{kind} must empty what a scenario adds and put the seed's rows"
            " back; or use [database.reset.snapshot], the harness's own reset"
        )
    return "; ".join(fixes)


def _table(name: str) -> str:
    return name.removeprefix("public.")
