"""Input a fuzzer or an attacker sends, class by class, against the running app: each is a 4xx
with its reason, never a 500, and writes nothing (no top-up, no ledger row, no charge). Each of
these was a 500 before (issue 14): JSON nested thousands deep (RecursionError), a NUL anywhere
(PostgreSQL's text refuses it), numbers of more than 4,300 digits (``int`` refuses them),
digits of other scripts (``\\d`` and ``int`` take them), bodies of megabytes. And a signed event
holding a NUL is still stored and its payment credited, not refused on every retry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness.stack.wallet_stack import WalletStack
from tests.reference_app.evidence import (
    DEMO_TOKEN,
    ledger_rows,
    new_topup,
    wait_for_topup,
)
from tests.reference_app.running import app_stack
from tests.reference_app.test_pipeline_integration import COMPLETED, WEBHOOK, signed, stored_secret
from tests.reference_app.web_client import ADMIN_LOGIN, DEMO_LOGIN, csrf_token_of, log_in

DEEP = b"[" * 3000 + b"]" * 3000
HUGE = "9" * 5000
JSON = {"content-type": "application/json"}


@pytest.fixture
def api(stack: WalletStack) -> Iterator[httpx.Client]:
    with stack.api(DEMO_TOKEN) as client:
        yield client


def refused(answer: httpx.Response, status: int, reason: str) -> None:
    assert answer.status_code == status, (answer.request.url, answer.status_code, answer.text)
    assert reason in answer.json()["error"], answer.text


def nothing_written(stack: WalletStack) -> None:
    with stack.connect() as conn:
        assert conn.execute("select count(*) from topups").fetchone() == (0,)
        assert conn.execute("select count(*) from stripe_event_inbox").fetchone() == (0,)
    assert ledger_rows(stack) == []


def test_json_nested_thousands_deep_is_a_400(stack: WalletStack, api: httpx.Client) -> None:
    too_deep = "nested more than 64 levels deep"
    refused(api.post("/api/wallet/topups", content=DEEP, headers=JSON), 400, too_deep)
    refused(api.post("/api/billing/sms", content=DEEP, headers=JSON), 400, too_deep)
    # 65 levels parse in Python, and are still refused
    refused(
        api.post("/api/billing/sms", content=b"[" * 65 + b"]" * 65, headers=JSON), 400, too_deep
    )
    webhook = httpx.post(
        stack.web_url + WEBHOOK, content=DEEP, headers={"stripe-signature": "t=1,v1=0"}
    )
    refused(webhook, 400, "signature rejected")
    nothing_written(stack)


def test_a_key_given_twice_is_a_400_whichever_value_a_parser_would_keep(
    stack: WalletStack, api: httpx.Client
) -> None:
    twice = b'{"amount_pence": 500, "amount_pence": 100000}'
    refused(
        api.post("/api/wallet/topups", content=twice, headers=JSON),
        400,
        "the JSON gives 'amount_pence' more than once",
    )
    sms = b'{"to": "+447700900123", "body": "hi", "body": "hello"}'
    refused(api.post("/api/billing/sms", content=sms, headers=JSON), 400, "'body' more than once")
    # a megabyte of keys (under the body limit), one of them twice: refused as quickly as two
    many = b"{" + b", ".join(b'"k%d": 1' % n for n in range(80_000)) + b', "k7": 2}'
    refused(api.post("/api/billing/sms", content=many, headers=JSON), 400, "'k7' more than once")
    nothing_written(stack)


def test_nan_and_infinity_are_not_numbers(stack: WalletStack, api: httpx.Client) -> None:
    for constant in (b"NaN", b"Infinity", b"-Infinity"):
        body = b'{"amount_pence": ' + constant + b"}"
        refused(
            api.post("/api/wallet/topups", content=body, headers=JSON),
            400,
            f"{constant.decode()} is not a JSON number",
        )
    nothing_written(stack)


def test_a_nul_anywhere_is_a_400(stack: WalletStack, api: httpx.Client) -> None:
    refused(api.get("/api/wallet/topups/cs_test_%00x"), 400, "the URL holds a NUL character")
    refused(api.get("/api/wallet/topups/cs_test_x?y=%00"), 400, "the URL holds a NUL character")
    sms = {"to": "+447700900123", "body": "h\u0000i"}
    refused(api.post("/api/billing/sms", json=sms), 400, "holds a NUL character")
    refused(api.post("/api/billing/sms", json={"to\u0000": "x", "body": "y"}), 400, "NUL")
    with httpx.Client(base_url=stack.web_url) as browser:
        token = csrf_token_of(browser.get("/login"))
        login = browser.post(
            "/login", data={"email": "test@demo.com\u0000", "password": "x", "csrf_token": token}
        )
    assert login.status_code == 401, login.text
    assert "do not match an account" in login.text
    # a refused delivery whose body names an id with a NUL is still recorded, NUL replaced
    body = b'{"id": "evt_\\u0000x", "type": "checkout.session.completed"}'
    webhook = httpx.post(
        stack.web_url + WEBHOOK, content=body, headers={"stripe-signature": "t=1,v1=0"}
    )
    refused(webhook, 400, "signature rejected")
    with stack.connect() as conn:
        recorded = conn.execute("select event_id from webhook_rejections").fetchall()
    assert recorded == [("evt_\ufffdx",)]
    nothing_written(stack)


def test_a_signed_event_holding_a_nul_is_stored_and_its_payment_credited(
    stack: WalletStack,
) -> None:
    stack.control.add_fault("drop", event_type=COMPLETED, times=None)  # only ours gets through
    session_id = new_topup(stack, 5000)
    stack.control.pay(session_id)
    stack.control.settle()
    event = {
        "id": "evt_with_a_nul",
        "object": "event",
        "type": COMPLETED,
        "data": {"object": {"id": session_id, "object": "checkout.session", "note": "a\u0000b"}},
    }
    body = json.dumps(event).encode()
    assert b"\\u0000" in body

    answer = httpx.post(
        stack.web_url + WEBHOOK, content=body, headers=signed(stored_secret(stack), body)
    )

    assert answer.status_code == 200, answer.text
    assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")
    with stack.connect() as conn:
        stored = conn.execute(
            "select payload -> 'data' -> 'object' ->> 'note' from stripe_event_inbox"
        ).fetchall()
    assert stored == [("a\ufffdb",)]


def test_numbers_of_thousands_of_digits_are_a_400(stack: WalletStack, api: httpx.Client) -> None:
    body = b'{"amount_pence": ' + HUGE.encode() + b"}"
    refused(api.post("/api/wallet/topups", content=body, headers=JSON), 400, "4,300 digits")
    with httpx.Client(base_url=stack.web_url, follow_redirects=False) as admin:
        log_in(admin, ADMIN_LOGIN)
        refused(
            admin.get(f"/api/webhook-metrics/recent-failures?limit={HUGE}"),
            400,
            "limit must be a whole number from 1 to",
        )
    with httpx.Client(base_url=stack.web_url, follow_redirects=False) as browser:
        csrf = log_in(browser, DEMO_LOGIN)
        form = {"amount": HUGE, "custom_amount": "", "csrf_token": csrf}
        page = browser.post("/dashboard/wallet/topup", data=form)
        custom = browser.post(
            "/dashboard/wallet/topup",
            data={"amount": "custom", "custom_amount": HUGE, "csrf_token": csrf},
        )
    assert page.status_code == 400, page.text
    assert "Choose an amount to top up" in page.text
    assert custom.status_code == 400, custom.text
    assert "is not an amount" in custom.text
    nothing_written(stack)


def test_digits_of_other_scripts_are_not_numbers(stack: WalletStack, api: httpx.Client) -> None:
    arabic_indic = "+4\u0667\u0667\u0667\u0667\u0667\u0667\u0667\u0667\u0667\u0667"
    refused(api.post("/api/billing/sms", json={"to": arabic_indic, "body": "hi"}), 400, "E.164")
    phone = {"phone_number": arabic_indic}
    refused(api.post("/api/billing/phone-numbers", json=phone), 400, "E.164")
    with httpx.Client(base_url=stack.web_url, follow_redirects=False) as browser:
        csrf = log_in(browser, DEMO_LOGIN)
        page = browser.post(
            "/dashboard/wallet/topup",
            data={"amount": "custom", "custom_amount": "\u0665\u0660", "csrf_token": csrf},
        )
    assert page.status_code == 400, page.text
    assert "is not an amount" in page.text
    nothing_written(stack)


def test_a_body_of_megabytes_is_a_413_before_it_is_read(
    stack: WalletStack, api: httpx.Client
) -> None:
    big = b" " * (8 * 1024 * 1024) + b"{}"
    refused(api.post("/api/wallet/topups", content=big, headers=JSON), 413, "larger than 1024 KiB")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(64):
            yield b" " * (128 * 1024)

    refused(
        api.post("/api/wallet/topups", content=chunks(), headers=JSON), 413, "larger than 1024 KiB"
    )
    nothing_written(stack)


def test_refused_deliveries_kept_are_bounded(wallet_ledger_db_url: str, tmp_path: Path) -> None:
    with app_stack(wallet_ledger_db_url, tmp_path, env={"WEBHOOK_REJECTIONS_KEPT": "5"}) as stack:
        for number in range(12):
            body = json.dumps({"id": f"evt_forged_{number}"}).encode()
            answer = httpx.post(
                stack.web_url + WEBHOOK, content=body, headers={"stripe-signature": "t=1,v1=0"}
            )
            refused(answer, 400, "signature rejected")
        with stack.connect() as conn:
            kept = conn.execute("select event_id from webhook_rejections order by id").fetchall()

    assert kept == [(f"evt_forged_{number}",) for number in range(7, 12)]  # the newest five
