"""add_wallet_credits and deduct_wallet_credits against a real PostgreSQL."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from reference_app.ledger import (
    CheckoutSessionConflict,
    InsufficientFunds,
    InvalidLedgerRequest,
    UnknownOrganisation,
    add_wallet_credits,
    deduct_wallet_credits,
)
from tests.reference_app.ledger_reads import (
    balance_pence,
    check_ledger,
    ledger_row_count,
    ledger_rows,
    topup_rows,
)
from tests.reference_app.seed_data import DEMO_ORG_ID, OTHER_ORG_ID

Conn = psycopg.Connection[Any]


def test_the_reports_top_up_writes_one_credit_row_and_moves_the_balance(conn: Conn) -> None:
    assert balance_pence(conn, DEMO_ORG_ID) == 0

    result = add_wallet_credits(
        conn,
        DEMO_ORG_ID,
        5000,
        "topup",
        stripe_payment_intent_id="pi_3Report",
        stripe_checkout_session_id="cs_test_report",
        description="Top-up",
    )

    assert result.applied
    assert result.balance_after_pence == 5000
    assert balance_pence(conn, DEMO_ORG_ID) == 5000
    [row] = ledger_rows(conn, DEMO_ORG_ID)
    assert row.id == result.transaction_id
    assert (row.type, row.direction, row.amount_pence) == ("topup", "credit", 5000)
    assert (row.balance_before_pence, row.balance_after_pence) == (0, 5000)
    assert row.stripe_payment_intent_id == "pi_3Report"
    assert row.stripe_checkout_session_id == "cs_test_report"


def test_a_second_credit_for_the_same_session_changes_nothing(conn: Conn) -> None:
    first = add_wallet_credits(
        conn, DEMO_ORG_ID, 5000, "topup", stripe_checkout_session_id="cs_test_once"
    )
    again = add_wallet_credits(
        conn, DEMO_ORG_ID, 5000, "topup", stripe_checkout_session_id="cs_test_once"
    )

    assert not again.applied
    assert again.transaction_id == first.transaction_id
    assert again.balance_after_pence == first.balance_after_pence == 5000
    assert balance_pence(conn, DEMO_ORG_ID) == 5000
    assert len(topup_rows(conn, "cs_test_once")) == 1


@pytest.mark.parametrize(
    ("org_id", "amount_pence"),
    [(DEMO_ORG_ID, 2500), (OTHER_ORG_ID, 5000)],
    ids=["other-amount", "other-organisation"],
)
def test_reusing_a_session_with_other_terms_is_refused(
    conn: Conn, org_id: str, amount_pence: int
) -> None:
    add_wallet_credits(conn, DEMO_ORG_ID, 5000, "topup", stripe_checkout_session_id="cs_test_x")

    with pytest.raises(CheckoutSessionConflict, match="cs_test_x was already credited"):
        add_wallet_credits(
            conn, org_id, amount_pence, "topup", stripe_checkout_session_id="cs_test_x"
        )

    assert balance_pence(conn, DEMO_ORG_ID) == 5000
    assert balance_pence(conn, OTHER_ORG_ID) == 0
    assert ledger_row_count(conn) == 1


def test_credits_without_a_session_are_not_deduplicated(conn: Conn) -> None:
    add_wallet_credits(conn, DEMO_ORG_ID, 700, "adjustment", description="goodwill")
    add_wallet_credits(conn, DEMO_ORG_ID, 700, "adjustment", description="goodwill")

    assert balance_pence(conn, DEMO_ORG_ID) == 1400
    assert [r.balance_after_pence for r in ledger_rows(conn, DEMO_ORG_ID)] == [700, 1400]


def test_a_debit_writes_a_debit_row(conn: Conn) -> None:
    add_wallet_credits(conn, DEMO_ORG_ID, 1000, "topup", stripe_checkout_session_id="cs_test_d")

    result = deduct_wallet_credits(conn, DEMO_ORG_ID, 4, "sms", description="SMS")

    assert result.balance_after_pence == 996
    last = ledger_rows(conn, DEMO_ORG_ID)[-1]
    assert (last.id, last.type, last.direction, last.amount_pence) == (
        result.transaction_id,
        "sms",
        "debit",
        4,
    )
    assert (last.balance_before_pence, last.balance_after_pence) == (1000, 996)


def test_a_debit_past_the_debt_limit_is_refused_and_writes_nothing(conn: Conn) -> None:
    add_wallet_credits(conn, DEMO_ORG_ID, 100, "topup", stripe_checkout_session_id="cs_test_dl")

    with pytest.raises(InsufficientFunds, match="balance 100 pence, debt limit 0 pence"):
        deduct_wallet_credits(conn, DEMO_ORG_ID, 101, "call")

    assert balance_pence(conn, DEMO_ORG_ID) == 100
    assert ledger_row_count(conn) == 1


def test_debits_may_go_below_zero_down_to_the_debt_limit_and_no_further(conn: Conn) -> None:
    conn.execute("update organizations set debt_limit_pence = 500 where id = %s", (DEMO_ORG_ID,))

    deduct_wallet_credits(conn, DEMO_ORG_ID, 300, "call")
    deduct_wallet_credits(conn, DEMO_ORG_ID, 200, "call")  # exactly at the limit: -£5.00
    with pytest.raises(InsufficientFunds):
        deduct_wallet_credits(conn, DEMO_ORG_ID, 1, "sms")

    assert balance_pence(conn, DEMO_ORG_ID) == -500
    assert check_ledger(conn) == []


def test_insufficient_funds_has_its_own_sqlstate(conn: Conn) -> None:
    with pytest.raises(psycopg.Error) as raised:
        conn.execute("select * from deduct_wallet_credits(%s, 1, 'sms')", (DEMO_ORG_ID,))
    assert raised.value.sqlstate == "WL001"
    assert ledger_row_count(conn) == 0


BAD_CREDITS: list[tuple[str, dict[str, Any], type[Exception], str]] = [
    ("unknown org", {"org_id": str(uuid.uuid4())}, UnknownOrganisation, "unknown organisation"),
    ("malformed org", {"org_id": "not-a-uuid"}, InvalidLedgerRequest, "must be a UUID"),
    ("zero", {"amount_pence": 0}, InvalidLedgerRequest, "from 1 to 1000000, got 0"),
    ("negative", {"amount_pence": -5000}, InvalidLedgerRequest, "from 1 to 1000000"),
    ("above maximum", {"amount_pence": 1_000_001}, InvalidLedgerRequest, "from 1 to 1000000"),
    ("past bigint", {"amount_pence": 2**63}, InvalidLedgerRequest, "beyond any amount a wallet"),
    ("below bigint", {"amount_pence": -(2**63) - 1}, InvalidLedgerRequest, "beyond any amount"),
    ("float", {"amount_pence": 12.5}, InvalidLedgerRequest, "whole number of pence"),
    ("decimal", {"amount_pence": Decimal("50.00")}, InvalidLedgerRequest, "whole number"),
    ("string", {"amount_pence": "5000"}, InvalidLedgerRequest, "whole number of pence"),
    ("bool", {"amount_pence": True}, InvalidLedgerRequest, "whole number of pence"),
    ("unknown type", {"type": "bonus"}, InvalidLedgerRequest, "got bonus"),
    ("debit type", {"type": "sms"}, InvalidLedgerRequest, "for a credit"),
    ("topup without session", {"session": None}, InvalidLedgerRequest, "must name its"),
]


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [case[1:] for case in BAD_CREDITS],
    ids=[case[0] for case in BAD_CREDITS],
)
def test_bad_credit_input_is_refused_with_a_reason_and_writes_nothing(
    conn: Conn, change: dict[str, Any], error: type[Exception], message: str
) -> None:
    call: dict[str, Any] = {
        "org_id": DEMO_ORG_ID,
        "amount_pence": 5000,
        "type": "topup",
        "session": "cs_test_bad",
    }
    call.update(change)

    with pytest.raises(error, match=message):
        add_wallet_credits(
            conn,
            call["org_id"],
            call["amount_pence"],
            call["type"],
            stripe_checkout_session_id=call["session"],
        )

    assert ledger_row_count(conn) == 0
    assert balance_pence(conn, DEMO_ORG_ID) == 0


@pytest.mark.parametrize(
    ("amount_pence", "type", "error", "message"),
    [
        (0, "sms", InvalidLedgerRequest, "from 1 to 1000000"),
        (1.5, "sms", InvalidLedgerRequest, "whole number of pence"),
        (10**30, "sms", InvalidLedgerRequest, "beyond any amount a wallet holds"),
        (4, "topup", InvalidLedgerRequest, "for a debit"),
        (4, "", InvalidLedgerRequest, "for a debit"),
    ],
)
def test_bad_debit_input_is_refused_and_writes_nothing(
    conn: Conn, amount_pence: Any, type: str, error: type[Exception], message: str
) -> None:
    add_wallet_credits(conn, DEMO_ORG_ID, 100, "topup", stripe_checkout_session_id="cs_test_b")

    with pytest.raises(error, match=message):
        deduct_wallet_credits(conn, DEMO_ORG_ID, amount_pence, type)

    assert balance_pence(conn, DEMO_ORG_ID) == 100
    assert ledger_row_count(conn) == 1


def test_a_refused_call_inside_the_callers_transaction_leaves_it_usable(conn: Conn) -> None:
    with conn.transaction():
        add_wallet_credits(conn, DEMO_ORG_ID, 100, "topup", stripe_checkout_session_id="cs_t1")
        with pytest.raises(InsufficientFunds):
            deduct_wallet_credits(conn, DEMO_ORG_ID, 500, "call")
        deduct_wallet_credits(conn, DEMO_ORG_ID, 40, "call")

    assert balance_pence(conn, DEMO_ORG_ID) == 60
    assert check_ledger(conn) == []
