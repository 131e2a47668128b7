"""Start-up, as in the report: the app makes sure Stripe has its webhook endpoint, keeps the
signing secret Stripe returned, and reuses both on restart; STRIPE_WEBHOOK_SECRET overrides."""

from __future__ import annotations

from pathlib import Path

from harness.stack.wallet_stack import WalletStack
from tests.reference_app.evidence import DEMO_TOKEN, wait_for_topup
from tests.reference_app.running import app_stack


def test_a_restart_reuses_the_registered_endpoint_and_its_secret(
    wallet_ledger_db_url: str, tmp_path: Path
) -> None:
    with app_stack(wallet_ledger_db_url, tmp_path, worker=False) as stack:
        before = webhook_endpoints(stack)
        stack.restart_web()  # same fake, same public URL: a deploy
        stack.start_worker()
        after = webhook_endpoints(stack)
        endpoints = stack.stripe.v1.webhook_endpoints.list().data
        with stack.api(DEMO_TOKEN) as api:
            session_id = api.post("/api/wallet/topups", json={"amount_pence": 1000}).json()[
                "session_id"
            ]
        stack.control.pay(session_id)
        stack.control.settle()
        credited = wait_for_topup(stack, session_id, "credited")
        port = stack.web_url.rsplit(":", 1)[1]

    [(url, endpoint_id, secret)] = before
    assert url == f"http://127.0.0.1:{port}/api/webhooks/stripe"
    assert secret.startswith("whsec_")
    assert after == before  # the same endpoint and secret, not a second registration
    assert [e.id for e in endpoints] == [endpoint_id]
    assert sorted(endpoints[0].enabled_events) == [
        "checkout.session.async_payment_failed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.completed",
        "checkout.session.expired",
    ]
    assert credited == ("credited", "webhook")  # deliveries still verify after the restart


def test_an_explicit_webhook_secret_overrides_the_stored_one(
    wallet_ledger_db_url: str, tmp_path: Path
) -> None:
    with app_stack(
        wallet_ledger_db_url, tmp_path, env={"STRIPE_WEBHOOK_SECRET": "whsec_configured_by_hand"}
    ) as stack:
        with stack.api(DEMO_TOKEN) as api:
            session_id = api.post("/api/wallet/topups", json={"amount_pence": 1000}).json()[
                "session_id"
            ]
        stack.control.pay(session_id)
        stack.control.settle()
        attempts = stack.control.deliveries(object_id=session_id).attempts

    # the fake signs with the endpoint's real secret; the app checks the configured one
    assert attempts
    assert {attempt.status_code for attempt in attempts} == {400}


def webhook_endpoints(stack: WalletStack) -> list[tuple[str, str, str]]:
    """The endpoint the app registered with Stripe and the secret it keeps: (url, id, secret)."""
    with stack.connect() as conn:
        rows = conn.execute(
            "select url, endpoint_id, signing_secret from stripe_webhook_endpoints"
        ).fetchall()
    return [(row[0], row[1], row[2]) for row in rows]
