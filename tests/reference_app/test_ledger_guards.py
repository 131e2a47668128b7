"""What the database itself refuses, and the invariant checks that watch the ledger."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from harness.records.ledger_invariants import LedgerInvariantError
from reference_app.ledger import add_wallet_credits, deduct_wallet_credits
from tests.reference_app.ledger_reads import (
    assert_ledger_sound,
    balance_pence,
    check_ledger,
    ledger_row_count,
)
from tests.reference_app.seed_data import DEMO_ORG_ID, OTHER_ORG_ID

Conn = psycopg.Connection[Any]


@pytest.fixture
def credited(conn: Conn) -> Conn:
    add_wallet_credits(conn, DEMO_ORG_ID, 5000, "topup", stripe_checkout_session_id="cs_test_g")
    deduct_wallet_credits(conn, DEMO_ORG_ID, 4, "sms")
    return conn


@pytest.mark.parametrize(
    "statement",
    [
        "update credit_transactions set amount_pence = 1",
        "update credit_transactions set description = 'edited'",
        "delete from credit_transactions",
    ],
)
def test_the_ledger_refuses_updates_and_deletes_even_from_its_owner(
    credited: Conn, statement: str
) -> None:
    with pytest.raises(psycopg.Error, match="immutable ledger") as raised:
        credited.execute(statement)

    assert raised.value.sqlstate == "WL004"
    assert ledger_row_count(credited) == 2


def test_the_owner_can_still_truncate_for_a_test_reset(credited: Conn) -> None:
    credited.execute("truncate credit_transactions, topups")  # topups point at ledger rows
    assert ledger_row_count(credited) == 0


def test_the_balance_cannot_move_without_a_ledger_row(credited: Conn) -> None:
    with pytest.raises(psycopg.Error, match="changes only through add_wallet_credits") as raised:
        credited.execute(
            "update organizations set wallet_balance_pence = wallet_balance_pence + 5000"
            " where id = %s",
            (DEMO_ORG_ID,),
        )

    assert raised.value.sqlstate == "WL005"
    assert balance_pence(credited, DEMO_ORG_ID) == 4996


def test_other_organisation_columns_stay_editable(credited: Conn) -> None:
    credited.execute("update organizations set name = 'Renamed' where id = %s", (DEMO_ORG_ID,))
    assert balance_pence(credited, DEMO_ORG_ID) == 4996


def test_a_new_organisation_starts_at_zero(conn: Conn) -> None:
    with pytest.raises(psycopg.Error, match="starts with a zero balance"):
        conn.execute(
            "insert into organizations (name, email, wallet_balance_pence)"
            " values ('Rich', 'rich@example.com', 100)"
        )


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (("topup", "credit", 100, 0, 150, "cs_a"), "credit_transactions_balance_arithmetic"),
        (("topup", "debit", 100, 100, 0, "cs_b"), "credit_transactions_type_direction"),
        (("sms", "credit", 4, 0, 4, None), "credit_transactions_type_direction"),
        (("topup", "credit", 100, 0, 100, None), "credit_transactions_topup_names_session"),
        (("topup", "credit", 0, 0, 0, "cs_c"), "amount_pence_check"),
    ],
)
def test_malformed_rows_are_refused_by_constraints(
    conn: Conn, row: tuple[object, ...], reason: str
) -> None:
    with pytest.raises(psycopg.errors.CheckViolation, match=reason):
        conn.execute(
            "insert into credit_transactions (org_id, type, direction, amount_pence,"
            " balance_before_pence, balance_after_pence, stripe_checkout_session_id)"
            " values (%s, %s, %s, %s, %s, %s, %s)",
            (DEMO_ORG_ID, *row),
        )


def test_a_sound_ledger_passes_every_invariant(credited: Conn) -> None:
    add_wallet_credits(credited, OTHER_ORG_ID, 2500, "topup", stripe_checkout_session_id="cs_o")
    assert check_ledger(credited) == []


def _without_guards(conn: Conn, statement: str, params: tuple[object, ...]) -> None:
    """Break the ledger on purpose, as a buggy app with no safeguards would."""
    with conn.transaction():
        conn.execute("alter table organizations disable trigger organizations_balance_guard")
        conn.execute("drop index credit_transactions_one_topup_per_session")
        conn.execute(statement, params)
        conn.execute("alter table organizations enable trigger organizations_balance_guard")


def test_the_invariant_check_catches_a_balance_without_a_ledger_row(credited: Conn) -> None:
    _without_guards(
        credited,
        "update organizations set wallet_balance_pence = 0 where id = %s",
        (DEMO_ORG_ID,),
    )

    [violation] = check_ledger(credited)

    assert violation.rule == "balance = credits - debits"
    assert violation.subject == DEMO_ORG_ID
    assert "the balance is 0, credits - debits is 4996" in violation.detail


def test_the_invariant_check_catches_a_double_credit_and_a_broken_chain(credited: Conn) -> None:
    # what a non-idempotent handler with a lost update leaves behind: the same session twice,
    # both rows computed from the same stale balance
    _without_guards(
        credited,
        "insert into credit_transactions (org_id, type, direction, amount_pence,"
        " balance_before_pence, balance_after_pence, stripe_checkout_session_id)"
        " values (%s, 'topup', 'credit', 5000, 0, 5000, 'cs_test_g')",
        (DEMO_ORG_ID,),
    )

    rules = {violation.rule for violation in check_ledger(credited)}

    assert rules == {
        "balance chain",
        "balance = credits - debits",
        "one top-up per checkout session",
    }


def test_assert_ledger_sound_lists_every_violation(credited: Conn) -> None:
    assert_ledger_sound(credited)  # sound: no error
    _without_guards(
        credited,
        "update organizations set wallet_balance_pence = 1 where id = %s",
        (OTHER_ORG_ID,),
    )

    with pytest.raises(LedgerInvariantError) as raised:
        assert_ledger_sound(credited)

    assert str(raised.value) == (
        "ledger invariants broken:\n"
        f"  - balance = credits - debits [{OTHER_ORG_ID}]: the balance is 1,"
        " credits - debits is 0, last ledger row ends at 0"
    )
