"""The billing gates over HTTP: closed on an empty wallet (402 with the reason, nothing
charged), open after a top-up, and bad input is a 400, never a 500."""

from __future__ import annotations

import json

import httpx

from harness.stack.wallet_stack import WalletStack
from tests.reference_app.evidence import DEMO_TOKEN, wait_for_topup
from tests.reference_app.web_client import log_in, page_client

NUMBER = "+447700900123"


def top_up(stack: WalletStack, api: httpx.Client, amount_pence: int) -> None:
    session_id = api.post("/api/wallet/topups", json={"amount_pence": amount_pence}).json()[
        "session_id"
    ]
    stack.control.pay(session_id)
    stack.control.settle()
    assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")


def ledger_rows(stack: WalletStack) -> list[tuple[str, int, int]]:
    with stack.connect() as conn:
        rows = conn.execute(
            "select type, amount_pence, balance_after_pence from credit_transactions order by id"
        ).fetchall()
    return [(row[0], row[1], row[2]) for row in rows]


def test_the_gates_are_closed_on_an_empty_wallet_and_open_after_a_top_up(
    stack: WalletStack,
) -> None:
    with stack.api(DEMO_TOKEN) as api:
        sms = api.post("/api/billing/sms", json={"to": NUMBER, "body": "Hello"})
        number = api.post("/api/billing/phone-numbers", json={"phone_number": NUMBER})
        call = api.post("/api/billing/calls/authorise")
        assert (sms.status_code, number.status_code, call.status_code) == (402, 402, 402)
        assert "insufficient funds: £0.04 is needed" in sms.json()["error"]
        assert "insufficient funds: £1.00 is needed" in number.json()["error"]
        assert call.json()["allowed"] is False
        assert "below the £0.50 needed to start a call" in call.json()["error"]
        assert ledger_rows(stack) == []

        top_up(stack, api, 1000)

        sms = api.post("/api/billing/sms", json={"to": "+44 7700 900123", "body": "Hello"})
        assert sms.status_code == 200, sms.text
        assert sms.json() | {"transaction_id": 0} == {
            "sent": True,
            "to": NUMBER,
            "charged_pence": 4,
            "charged": "£0.04",
            "transaction_id": 0,
            "balance_pence": 996,
            "balance": "£9.96",
        }
        number = api.post("/api/billing/phone-numbers", json={"phone_number": NUMBER})
        assert number.status_code == 201, number.text
        assert (number.json()["charged"], number.json()["balance"]) == ("£1.00", "£8.96")
        call = api.post("/api/billing/calls/authorise", json={})
        assert call.status_code == 200, call.text
        assert (call.json()["allowed"], call.json()["balance"]) == (True, "£8.96")

    assert ledger_rows(stack) == [
        ("topup", 1000, 1000),
        ("sms", 4, 996),
        ("phone_number", 100, 896),
    ]


def test_bad_input_is_a_400_with_the_reason_and_charges_nothing(stack: WalletStack) -> None:
    sms, number, call = (
        "/api/billing/sms",
        "/api/billing/phone-numbers",
        "/api/billing/calls/authorise",
    )
    cases: list[tuple[str, object, str]] = [
        (sms, "not json", "must be JSON"),
        (sms, [NUMBER], "must be a JSON object"),
        (sms, {"to": NUMBER}, "missing: body"),
        (sms, {"to": NUMBER, "body": "x", "org_id": "x"}, "unknown: org_id"),
        (sms, {"to": 447700900123, "body": "x"}, "to must be text"),
        (sms, {"to": "07700 900123", "body": "x"}, "E.164"),
        (sms, {"to": NUMBER, "body": "  "}, "non-empty body"),
        (number, {}, "missing: phone_number"),
        (number, {"phone_number": "+0"}, "E.164"),
        (call, {"minutes": 3}, "unknown: minutes"),
    ]
    with stack.api(DEMO_TOKEN) as api:
        top_up(stack, api, 1000)
        for path, body, reason in cases:
            raw = body if isinstance(body, str) else json.dumps(body)
            answer = api.post(path, content=raw, headers={"Content-Type": "application/json"})
            assert answer.status_code == 400, (path, body, answer.text)
            assert reason in answer.json()["error"], (path, body, answer.text)

    assert ledger_rows(stack) == [("topup", 1000, 1000)]


def test_a_logged_in_page_uses_the_gates_with_its_csrf_token(stack: WalletStack) -> None:
    with page_client(stack) as anonymous:
        refused = anonymous.post("/api/billing/calls/authorise")
        assert refused.status_code == 401
        assert "log in" in refused.json()["error"]
    with page_client(stack) as client:
        token = log_in(client)
        assert client.post("/api/billing/calls/authorise").status_code == 403
        call = client.post("/api/billing/calls/authorise", headers={"X-CSRF-Token": token})
        assert call.status_code == 402
        assert call.json()["balance"] == "£0.00"
