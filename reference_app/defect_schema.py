"""The ledger defects need a database without one of its safeguards.

``non-idempotent-credit``, ``lost-update`` and ``ledger-row-missing`` reproduce apps built without
a safeguard the migrations install (the per-session check and its unique index, the row lock,
the ledger row that goes with every balance change). Their switch removes or replaces that
safeguard when the web app or the worker starts, exactly as such an app's schema would be;
nothing else changes.

A database may outlive one run (a harness empties tables between scenarios, not the schema), so
a start-up without those defects puts every safeguard back: the original ``add_wallet_credits``
from ``migrations/0003``, the unique index, the topups constraint. When the schema already is
as the migrations left it (always, in a healthy run) this only reads the catalogue. The web app
and the worker share the database, so they must run with the same ledger defects.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import psycopg

from reference_app.defects import Defects

log = logging.getLogger("reference_app.defect_schema")

LEDGER_DEFECTS = ("non-idempotent-credit", "lost-update", "ledger-row-missing")
MIGRATIONS = Path(__file__).parent / "migrations"
DEFECTIVE_FUNCTION_SQL = (
    Path(__file__).parent / "sql" / "defects" / "add_wallet_credits_defective.sql"
)
# one start-up at a time changes the schema (web and worker start together)
_LOCK_KEY = 0x57414C4C4554  # "WALLET"

UNIQUE_INDEX = "credit_transactions_one_topup_per_session"
UNIQUE_INDEX_SQL = (
    f"create unique index if not exists {UNIQUE_INDEX}"
    " on credit_transactions (stripe_checkout_session_id) where type = 'topup'"
)
TOPUP_CHECK = "topups_credited_has_path"
TOPUP_CHECK_SQL = (
    f"alter table topups add constraint {TOPUP_CHECK} check ("
    " status <> 'credited' or (fulfilled_by is not null and credit_transaction_id is not null)"
    ") not valid"
)


_NAME = "add_wallet_credits("
_DEFINITION = re.compile(r"create\s+(?:or\s+replace\s+)?function\s+add_wallet_credits\(", re.I)


class DefectSchemaError(RuntimeError):
    """A safeguard cannot be put back as the database stands; the message says why."""


def original_add_wallet_credits() -> tuple[str, str]:
    """(the ``create or replace`` statement, the function body) of ``add_wallet_credits`` as the
    migrations define it (the last one that does: today ``0003_wallet_functions.sql``), so the
    migrations stay its one source."""
    found: tuple[str, str] | None = None
    for path in sorted(MIGRATIONS.glob("*.sql")):
        text = path.read_text()
        match = _DEFINITION.search(text)
        if match is None:
            continue
        body_start = text.index("$$", match.end()) + 2
        body_end = text.index("$$;", body_start)
        statement = "create or replace function " + text[match.end() - len(_NAME) : body_end + 3]
        found = statement, text[body_start:body_end]
    if found is None:
        raise DefectSchemaError(f"no migration in {MIGRATIONS} defines add_wallet_credits")
    return found


def defective_add_wallet_credits(defects: Defects) -> str:
    flags = {name: defects.on(name) for name in LEDGER_DEFECTS}
    text = DEFECTIVE_FUNCTION_SQL.read_text()
    for name, on in flags.items():
        text = text.replace("{" + name.replace("-", "_") + "}", "true" if on else "false")
    return text


def apply_defect_schema(conn: psycopg.Connection[Any], defects: Defects) -> list[str]:
    """Make the ledger's safeguards match the defects switched on; return what was changed
    (empty when nothing had to be)."""
    wanted = [name for name in LEDGER_DEFECTS if defects.on(name)]
    changes: list[str] = []
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        changes += _function(conn, defects, bool(wanted))
        changes += _unique_index(conn, drop=defects.on("non-idempotent-credit"))
        changes += _topup_check(conn, drop=defects.on("ledger-row-missing"))
    for change in changes:
        log.warning("ledger schema: %s (defects: %s)", change, ", ".join(wanted) or "none")
    return changes


def _function(conn: psycopg.Connection[Any], defects: Defects, defective: bool) -> list[str]:
    row = conn.execute(
        "select prosrc from pg_proc where oid = to_regproc('add_wallet_credits')"
    ).fetchone()
    current = None if row is None else str(row[0])
    if defective:
        statement = defective_add_wallet_credits(defects)
        body = statement[statement.index("$$") + 2 : statement.rindex("$$")]
        if current == body:
            return []
        conn.execute(statement.encode())
        return ["add_wallet_credits replaced by the defective version"]
    statement, body = original_add_wallet_credits()
    if current == body:
        return []
    conn.execute(statement.encode())
    return ["add_wallet_credits restored from the migrations"]


def _unique_index(conn: psycopg.Connection[Any], *, drop: bool) -> list[str]:
    exists = conn.execute(
        "select 1 from pg_indexes where schemaname = current_schema() and indexname = %s",
        (UNIQUE_INDEX,),
    ).fetchone()
    if drop and exists:
        conn.execute(f"drop index {UNIQUE_INDEX}".encode())
        return [f"unique index {UNIQUE_INDEX} dropped"]
    if not drop and not exists:
        duplicates = conn.execute(
            "select stripe_checkout_session_id, count(*) from credit_transactions"
            " where type = 'topup' group by 1 having count(*) > 1 limit 5"
        ).fetchall()
        if duplicates:
            raise DefectSchemaError(
                f"cannot restore {UNIQUE_INDEX}: checkout sessions credited more than once by a"
                f" non-idempotent run are still in the ledger ({duplicates}); empty the tables"
                " (TRUNCATE) or start from a fresh database"
            )
        conn.execute(UNIQUE_INDEX_SQL.encode())
        return [f"unique index {UNIQUE_INDEX} restored"]
    return []


def _topup_check(conn: psycopg.Connection[Any], *, drop: bool) -> list[str]:
    """A credited top-up names its ledger row: an app that writes no row has no such rule."""
    row = conn.execute(
        "select convalidated from pg_constraint where conname = %s"
        " and conrelid = 'topups'::regclass",
        (TOPUP_CHECK,),
    ).fetchone()
    if drop and row is not None:
        conn.execute(f"alter table topups drop constraint {TOPUP_CHECK}".encode())
        return [f"constraint {TOPUP_CHECK} dropped"]
    if drop:
        return []
    changes = []
    if row is None:
        conn.execute(TOPUP_CHECK_SQL.encode())
        changes.append(f"constraint {TOPUP_CHECK} restored")
    if row is None or not row[0]:
        try:
            with conn.transaction():
                conn.execute(f"alter table topups validate constraint {TOPUP_CHECK}".encode())
        except psycopg.errors.CheckViolation:
            # rows left by a ledger-row-missing run: new rows are checked, old ones stay
            log.warning(
                "constraint %s holds for new rows only until the tables are emptied", TOPUP_CHECK
            )
    return changes
