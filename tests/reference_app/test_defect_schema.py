"""The ledger defects' start-up schema changes: applied with the defect, undone without it, and
never a single DDL statement in a healthy start on a healthy schema."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest

from reference_app import ledger
from reference_app.defect_schema import (
    LEDGER_DEFECTS,
    TOPUP_CHECK,
    UNIQUE_INDEX,
    DefectSchemaError,
    apply_defect_schema,
    original_add_wallet_credits,
)
from reference_app.defects import Defects

ORG = "ad9306a9-4d8a-4685-a667-cbeb7eb01a07"


def safeguards(conn: psycopg.Connection[Any]) -> tuple[str, str | None, tuple[str, bool] | None]:
    """(add_wallet_credits' body, the unique index's definition, the topups check's definition
    and whether it is validated); None for what is missing."""
    body = conn.execute(
        "select prosrc from pg_proc where oid = to_regproc('add_wallet_credits')"
    ).fetchone()
    index = conn.execute(
        "select indexdef from pg_indexes where indexname = %s", (UNIQUE_INDEX,)
    ).fetchone()
    check = conn.execute(
        "select pg_get_constraintdef(oid), convalidated from pg_constraint where conname = %s",
        (TOPUP_CHECK,),
    ).fetchone()
    assert body is not None
    return body[0], None if index is None else index[0], None if check is None else tuple(check)


def test_a_healthy_start_on_a_healthy_schema_changes_nothing(
    conn: psycopg.Connection[Any],
) -> None:
    before = safeguards(conn)
    assert before[0] == original_add_wallet_credits()[1]
    assert before[1] is not None
    assert before[2] is not None
    assert before[2][1] is True
    assert apply_defect_schema(conn, Defects()) == []
    assert safeguards(conn) == before


@pytest.mark.parametrize(
    "names",
    [*[(name,) for name in LEDGER_DEFECTS], tuple(LEDGER_DEFECTS)],
    ids=[*LEDGER_DEFECTS, "all-three"],
)
def test_a_ledger_defect_is_applied_once_and_undone_by_a_healthy_start(
    conn: psycopg.Connection[Any], names: tuple[str, ...]
) -> None:
    healthy = safeguards(conn)
    changes = apply_defect_schema(conn, Defects(set(names)))
    assert changes
    assert apply_defect_schema(conn, Defects(set(names))) == []  # a restart changes nothing
    body, index, check = safeguards(conn)
    assert body != healthy[0]
    assert (index == healthy[1]) == ("non-idempotent-credit" not in names)
    assert (index is None) == ("non-idempotent-credit" in names)
    assert (check is None) == ("ledger-row-missing" in names)

    restored = apply_defect_schema(conn, Defects())
    assert restored
    assert safeguards(conn) == healthy
    assert apply_defect_schema(conn, Defects()) == []


def test_non_idempotent_credit_credits_a_session_twice_until_restored(
    conn: psycopg.Connection[Any],
) -> None:
    apply_defect_schema(conn, Defects({"non-idempotent-credit"}))
    for _ in range(2):
        ledger.add_wallet_credits(conn, ORG, 500, "topup", stripe_checkout_session_id="cs_a")
    assert ledger.wallet_balance_pence(conn, ORG) == 1000
    with pytest.raises(DefectSchemaError, match="credited more than once"):
        apply_defect_schema(conn, Defects())
    conn.execute("truncate credit_transactions, topups")
    apply_defect_schema(conn, Defects())
    conn.execute("select set_config('wallet.ledger_write', 'on', false)")
    conn.execute("update organizations set wallet_balance_pence = 0")
    ledger.add_wallet_credits(conn, ORG, 500, "topup", stripe_checkout_session_id="cs_a")
    again = ledger.add_wallet_credits(conn, ORG, 500, "topup", stripe_checkout_session_id="cs_a")
    assert not again.applied
    assert ledger.wallet_balance_pence(conn, ORG) == 500


def test_ledger_row_missing_moves_the_balance_without_a_row(
    conn: psycopg.Connection[Any],
) -> None:
    apply_defect_schema(conn, Defects({"ledger-row-missing"}))
    result = ledger.add_wallet_credits(conn, ORG, 700, "topup", stripe_checkout_session_id="cs_b")
    assert (result.transaction_id, result.balance_after_pence) == (None, 700)
    rows = conn.execute("select count(*) from credit_transactions").fetchone()
    assert rows == (0,)
    assert ledger.wallet_balance_pence(conn, ORG) == 700


def test_a_restored_topups_check_holds_for_new_rows_while_old_ones_violate_it(
    conn: psycopg.Connection[Any],
) -> None:
    healthy_check = safeguards(conn)[2][0]  # type: ignore[index]
    apply_defect_schema(conn, Defects({"ledger-row-missing"}))
    conn.execute(
        "insert into topups (checkout_session_id, org_id, amount_pence, status, fulfilled_by)"
        " values ('cs_left_over', %s, 500, 'credited', 'webhook')",
        (ORG,),
    )
    assert apply_defect_schema(conn, Defects())  # restored, not validated: old row stays
    assert safeguards(conn)[2] == (healthy_check + " NOT VALID", False)
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(
            "insert into topups (checkout_session_id, org_id, amount_pence, status,"
            " fulfilled_by) values (%s, %s, 500, 'credited', 'webhook')",
            (f"cs_{uuid.uuid4().hex}", ORG),
        )
    conn.execute("truncate topups")
    apply_defect_schema(conn, Defects())  # validated now the table is clean
    assert safeguards(conn)[2] == (healthy_check, True)
