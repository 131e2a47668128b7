"""The report's billing gates, on top of the ledger."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from reference_app.billing import authorise_call, provision_phone_number, send_sms
from reference_app.ledger import InsufficientFunds, InvalidLedgerRequest, add_wallet_credits
from reference_app.settings import BillingPrices
from tests.reference_app.ledger_reads import (
    balance_pence,
    check_ledger,
    ledger_row_count,
    ledger_rows,
)
from tests.reference_app.seed_data import DEMO_ORG_ID

Conn = psycopg.Connection[Any]
PRICES = BillingPrices(phone_number_pence=100, sms_pence=4, call_minimum_balance_pence=50)


def top_up(conn: Conn, pence: int) -> None:
    add_wallet_credits(conn, DEMO_ORG_ID, pence, "topup", stripe_checkout_session_id="cs_gate")


def test_an_sms_is_refused_at_zero_and_sent_after_a_top_up(conn: Conn) -> None:
    with pytest.raises(InsufficientFunds):
        send_sms(conn, DEMO_ORG_ID, "+447700900123", "hello", PRICES)
    assert ledger_row_count(conn) == 0

    top_up(conn, 5000)
    receipt = send_sms(conn, DEMO_ORG_ID, "+44 7700 900123", "hello", PRICES)

    assert receipt.balance_after_pence == 4996
    last = ledger_rows(conn, DEMO_ORG_ID)[-1]
    assert (last.type, last.direction, last.amount_pence) == ("sms", "debit", 4)
    assert last.description == "SMS to +447700900123"


def test_a_phone_number_costs_its_fixed_price(conn: Conn) -> None:
    top_up(conn, 150)

    provision_phone_number(conn, DEMO_ORG_ID, "+14155550100", PRICES)

    assert balance_pence(conn, DEMO_ORG_ID) == 50
    with pytest.raises(InsufficientFunds):
        provision_phone_number(conn, DEMO_ORG_ID, "+14155550101", PRICES)
    assert [r.type for r in ledger_rows(conn, DEMO_ORG_ID)] == ["topup", "phone_number"]
    assert check_ledger(conn) == []


def test_a_call_is_authorised_only_from_the_minimum_balance_and_says_why_not(conn: Conn) -> None:
    refused = authorise_call(conn, DEMO_ORG_ID, PRICES)
    assert not refused.allowed
    assert refused.reason == (
        "balance £0.00 is below the £0.50 needed to start a call; top up the wallet"
    )

    top_up(conn, 50)
    allowed = authorise_call(conn, DEMO_ORG_ID, PRICES)

    assert allowed.allowed
    assert allowed.balance_pence == 50
    assert ledger_row_count(conn) == 1  # authorising charges nothing


@pytest.mark.parametrize("number", ["07700900123", "+0447700900123", "+44", "call me", ""])
def test_a_malformed_phone_number_is_refused_before_any_charge(conn: Conn, number: str) -> None:
    top_up(conn, 500)
    with pytest.raises(InvalidLedgerRequest, match=r"E\.164"):
        send_sms(conn, DEMO_ORG_ID, number, "hello", PRICES)
    with pytest.raises(InvalidLedgerRequest, match=r"E\.164"):
        provision_phone_number(conn, DEMO_ORG_ID, number, PRICES)
    assert balance_pence(conn, DEMO_ORG_ID) == 500


@pytest.mark.parametrize(("body", "message"), [("  ", "non-empty body"), ("x" * 1601, "1600")])
def test_an_sms_body_must_be_sendable(conn: Conn, body: str, message: str) -> None:
    top_up(conn, 500)
    with pytest.raises(InvalidLedgerRequest, match=message):
        send_sms(conn, DEMO_ORG_ID, "+447700900123", body, PRICES)
    assert balance_pence(conn, DEMO_ORG_ID) == 500
