"""Logging in and out, and CSRF protection, against the real web process."""

from __future__ import annotations

from pathlib import Path

from harness.stack.wallet_stack import WalletStack
from tests.reference_app.evidence import DEMO_TOKEN, topup_status
from tests.reference_app.running import app_stack
from tests.reference_app.web_client import (
    DEMO_LOGIN,
    csrf_token_of,
    log_in,
    page_client,
)


def test_pages_need_a_login_and_the_login_page_is_a_labelled_form(stack: WalletStack) -> None:
    with page_client(stack) as client:
        assert client.get("/").headers["location"] == "/dashboard/wallet"
        dashboard = client.get("/dashboard/wallet")
        assert (dashboard.status_code, dashboard.headers["location"]) == (303, "/login")

        login = client.get("/login")

    assert login.status_code == 200
    assert '<label for="email">Email</label>' in login.text
    assert '<label for="password">Password</label>' in login.text
    assert '<button type="submit">Log in</button>' in login.text
    assert login.headers["cache-control"] == "no-store"


def test_the_right_password_logs_in_and_logging_out_ends_the_session(stack: WalletStack) -> None:
    with page_client(stack) as client:
        token = log_in(client, ("TEST@demo.com", "topup-demo-1"))  # email case does not matter
        dashboard = client.get("/dashboard/wallet")
        assert dashboard.status_code == 200
        assert "Signed in as test@demo.com" in dashboard.text
        assert client.get("/login").headers["location"] == "/dashboard/wallet"

        logged_out = client.post("/logout", data={"csrf_token": token})
        assert (logged_out.status_code, logged_out.headers["location"]) == (303, "/login")
        assert client.get("/dashboard/wallet").headers["location"] == "/login"


def test_a_wrong_password_or_unknown_email_shows_the_form_again_with_a_reason(
    stack: WalletStack,
) -> None:
    with page_client(stack) as client:
        for email, password in (
            ("test@demo.com", "wrong-password"),
            ("nobody@demo.com", "topup-demo-1"),
        ):
            token = csrf_token_of(client.get("/login"))
            refused = client.post(
                "/login", data={"email": email, "password": password, "csrf_token": token}
            )
            assert refused.status_code == 401
            assert 'role="alert"' in refused.text
            assert "do not match an account" in refused.text
            assert f'value="{email}"' in refused.text  # the email is kept, the password not
        empty = client.post("/login", data={"email": "", "password": "", "csrf_token": token})
        assert empty.status_code == 400
        assert "Enter your email and your password." in empty.text
        assert client.get("/dashboard/wallet").headers["location"] == "/login"


def test_form_posts_without_the_sessions_token_are_refused_with_a_reason(
    stack: WalletStack,
) -> None:
    with page_client(stack) as client:
        no_session = client.post("/login", data={"email": DEMO_LOGIN[0], "password": "x"})
        assert no_session.status_code == 403
        assert "has no CSRF token" in no_session.text
        client.get("/login")
        no_token = client.post("/login", data={"email": DEMO_LOGIN[0], "password": "x"})
        assert no_token.status_code == 403
        assert "carries no CSRF token" in no_token.text

        token = log_in(client)
        wrong = client.post(
            "/dashboard/wallet/topup", data={"amount": "5000", "csrf_token": "forged"}
        )
        assert wrong.status_code == 403
        assert "does not match this session" in wrong.text
        # a script of the page: the token travels in a header
        json_without = client.post("/api/wallet/topups", json={"amount_pence": 5000})
        assert json_without.status_code == 403
        assert "CSRF" in json_without.json()["error"]
        json_with = client.post(
            "/api/wallet/topups", json={"amount_pence": 5000}, headers={"X-CSRF-Token": token}
        )
        assert json_with.status_code == 201, json_with.text
        # the token changes at login: one seen before it is worth nothing after
        client.post("/logout", data={"csrf_token": token})
        assert log_in(client) != token
        client.post("/logout", data={"csrf_token": csrf_token_of(client.get("/dashboard/wallet"))})

    with page_client(stack) as multipart:  # a multipart form carries its token just as well
        fields = {"email": DEMO_LOGIN[0], "password": DEMO_LOGIN[1]}
        fields["csrf_token"] = csrf_token_of(multipart.get("/login"))
        as_files = {name: (None, value) for name, value in fields.items()}
        assert multipart.post("/login", files=as_files).status_code == 303
        forged = {**as_files, "csrf_token": (None, "forged")}
        assert multipart.post("/login", files=forged).status_code == 403

    with stack.api(DEMO_TOKEN) as api:  # a Bearer token is no cookie a page can ride on
        assert api.post("/api/wallet/topups", json={"amount_pence": 5000}).status_code == 201
    with page_client(stack) as anonymous:  # nothing to forge: the route itself says 401
        assert anonymous.post("/api/wallet/topups", json={"amount_pence": 5000}).status_code == 401


def test_the_webhook_is_not_behind_csrf_even_with_a_session_cookie(stack: WalletStack) -> None:
    with page_client(stack) as client:
        log_in(client)
        answer = client.post(
            "/api/webhooks/stripe",
            content=b"{}",
            headers={"Stripe-Signature": "t=1,v1=00", "Content-Type": "application/json"},
        )
    assert answer.status_code == 400  # refused by the signature check, not by CSRF
    assert "CSRF" not in answer.text


def test_csrf_blocks_webhook_defect_gets_every_delivery_a_403(
    wallet_ledger_db_url: str, tmp_path: Path
) -> None:
    with app_stack(wallet_ledger_db_url, tmp_path, defects=("csrf-blocks-webhook",)) as broken:
        with broken.api(DEMO_TOKEN) as api:
            session_id = api.post("/api/wallet/topups", json={"amount_pence": 5000}).json()[
                "session_id"
            ]
        broken.control.pay(session_id)
        broken.control.settle()

        attempts = broken.control.deliveries(event_type="checkout.session.completed").attempts
        assert attempts
        assert {attempt.status_code for attempt in attempts} == {403}
        assert topup_status(broken, session_id) == ("created", None)
