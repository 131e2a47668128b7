"""The wallet dashboard as served HTML, and its top-up form, against the real processes.
(What its script does after the redirect is in test_web_browser.py.)"""

from __future__ import annotations

from harness.stack.wallet_stack import WalletStack
from tests.reference_app.evidence import DEMO_TOKEN, wait_for_topup
from tests.reference_app.web_client import (
    OTHER_LOGIN,
    balance_shown,
    log_in,
    page_client,
    rows_shown,
)

DEMO_ORG = "ad9306a9-4d8a-4685-a667-cbeb7eb01a07"
OTHER_ORG = "5f0c2b9e-8d4a-4e61-9b7f-2c3d4e5f6a7b"


def topups_in_db(stack: WalletStack) -> list[tuple[str, str, int]]:
    with stack.connect() as conn:
        rows = conn.execute(
            "select checkout_session_id, org_id::text, amount_pence from topups order by created_at"
        ).fetchall()
    return [(row[0], row[1], row[2]) for row in rows]


def test_a_new_wallet_shows_zero_an_empty_list_and_the_topup_form(stack: WalletStack) -> None:
    with page_client(stack) as client:
        log_in(client)
        page = client.get("/dashboard/wallet")

    assert page.status_code == 200
    assert balance_shown(page) == "£0.00"
    assert rows_shown(page) == []
    assert "No transactions yet." in page.text
    for value, label in (("1000", "£10"), ("2500", "£25"), ("5000", "£50"), ("10000", "£100")):
        assert f'value="{value}"' in page.text
        assert f'<label for="amount-{value}">{label}</label>' in page.text
    assert '<label for="amount-custom">Other amount</label>' in page.text
    assert '<label for="custom-amount">Custom amount in pounds</label>' in page.text
    assert "From £5.00 to £1,000.00" in page.text
    assert '<button type="submit">Top Up</button>' in page.text
    assert 'data-testid="topup-status"' not in page.text
    assert 'data-testid="topup-error" hidden' in page.text


def test_a_chosen_amount_opens_checkout_for_the_logged_in_organisation(stack: WalletStack) -> None:
    with page_client(stack) as client:
        token = log_in(client)
        # an org id in the form is ignored: the organisation comes from the login
        answer = client.post(
            "/dashboard/wallet/topup",
            data={"amount": "5000", "org_id": OTHER_ORG, "csrf_token": token},
        )

    assert answer.status_code == 303
    checkout_url = answer.headers["location"]
    assert checkout_url.startswith(stack.fake_url)
    [(session_id, org_id, amount)] = topups_in_db(stack)
    assert (org_id, amount) == (DEMO_ORG, 5000)
    session = stack.stripe.v1.checkout.sessions.retrieve(session_id)
    assert session.url == checkout_url
    assert (session.amount_total, session.client_reference_id) == (5000, DEMO_ORG)
    assert session.customer_email == "test@demo.com"
    assert session.success_url is not None
    assert session.success_url.endswith("/dashboard/wallet?session_id={CHECKOUT_SESSION_ID}")


def test_a_custom_amount_is_taken_in_pounds(stack: WalletStack) -> None:
    with page_client(stack) as client:
        token = log_in(client)
        for typed in ("12.50", "£20", "1,000", "7.5"):
            answer = client.post(
                "/dashboard/wallet/topup",
                data={"amount": "custom", "custom_amount": typed, "csrf_token": token},
            )
            assert answer.status_code == 303, answer.text

    assert [amount for _, _, amount in topups_in_db(stack)] == [1250, 2000, 100000, 750]


def test_a_refused_amount_shows_the_form_again_with_the_reason(stack: WalletStack) -> None:
    cases = [
        ({"amount": "custom", "custom_amount": "abc"}, "is not an amount"),
        ({"amount": "custom", "custom_amount": "1.234"}, "is not an amount"),
        ({"amount": "custom", "custom_amount": "-5"}, "is not an amount"),
        ({"amount": "custom", "custom_amount": ""}, "Enter a custom amount"),
        ({"amount": "custom", "custom_amount": "4.99"}, "a top-up is from £5.00 to £1,000.00"),
        ({"amount": "custom", "custom_amount": "1000.01"}, "got £1,000.01"),
        ({"amount": "1000", "custom_amount": "30"}, "You chose £10.00 and typed a custom"),
        ({"amount": "700"}, "Choose an amount"),
        ({}, "Choose an amount"),
    ]
    with page_client(stack) as client:
        token = log_in(client)
        for form, reason in cases:
            answer = client.post("/dashboard/wallet/topup", data={**form, "csrf_token": token})
            assert answer.status_code == 400, (form, answer.text)
            assert 'role="alert" data-testid="topup-error">' in answer.text
            assert reason in answer.text, (form, answer.text)
            assert balance_shown(answer) == "£0.00"
        # not logged in: to the login page, not an error
        client.post("/logout", data={"csrf_token": token})
        assert client.post("/dashboard/wallet/topup").headers["location"] == "/login"

    assert topups_in_db(stack) == []


def test_the_landing_page_says_the_payment_is_being_confirmed(stack: WalletStack) -> None:
    with page_client(stack) as client:
        log_in(client)
        landing = client.get("/dashboard/wallet", params={"session_id": "cs_test_abc"})
        cancelled = client.get("/dashboard/wallet", params={"cancelled": "1"})
        script = client.get("/static/dashboard.js")

    assert landing.status_code == 200
    assert 'data-testid="topup-status" data-state="pending"' in landing.text
    assert "Your payment is being confirmed (reference cs_test_abc)" in landing.text
    assert 'data-poll-interval-ms="500"' in landing.text
    assert 'data-poll-limit-ms="30000"' in landing.text
    assert 'data-silent="false"' in landing.text
    assert '<script src="/static/dashboard.js" defer></script>' in landing.text
    assert script.status_code == 200
    assert "/api/wallet/topups/" in script.text
    assert "The checkout was cancelled; nothing was charged." in cancelled.text


def test_transactions_are_listed_newest_first_as_money(stack: WalletStack) -> None:
    with stack.api(DEMO_TOKEN) as api:
        session_id = api.post("/api/wallet/topups", json={"amount_pence": 5000}).json()[
            "session_id"
        ]
        stack.control.pay(session_id)
        stack.control.settle()
        assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")
        sent = api.post("/api/billing/sms", json={"to": "+447700900123", "body": "Hello"})
        assert sent.status_code == 200, sent.text

    with page_client(stack) as client:
        log_in(client)
        page = client.get("/dashboard/wallet")
        listed = client.get("/dashboard/wallet/transactions").json()
    with page_client(stack) as other:
        log_in(other, OTHER_LOGIN)
        others_page = other.get("/dashboard/wallet")

    assert balance_shown(page) == "£49.96"
    assert [row[1:] for row in rows_shown(page)] == [
        ["SMS -£0.04", "SMS to +447700900123", "£49.96"],
        ["Top-up +£50.00", "Top-up", "£50.00"],
    ]
    assert listed["balance"] == "£49.96"
    assert [t["label"] for t in listed["transactions"]] == ["SMS -£0.04", "Top-up +£50.00"]
    assert balance_shown(others_page) == "£0.00"
    assert rows_shown(others_page) == []
