"""Start-up, as in the report: the app makes sure Stripe has its webhook endpoint, keeps the
signing secret Stripe returned, and reuses both on restart; STRIPE_WEBHOOK_SECRET overrides."""

from __future__ import annotations

from pathlib import Path

from fake_stripe.server import FakeStripeServer
from fake_stripe.service import Settings
from harness.ports import free_port
from tests.reference_app.stack import app_stack, wait_for_topup


def test_a_restart_reuses_the_registered_endpoint_and_its_secret(
    wallet_ledger_db_url: str, tmp_path: Path
) -> None:
    with FakeStripeServer(Settings(delivery_timeout=5.0)) as fake:
        port = free_port()
        (tmp_path / "first").mkdir()
        (tmp_path / "second").mkdir()
        with (
            app_stack(
                wallet_ledger_db_url, tmp_path / "first", fake=fake, port=port, worker=False
            ) as first,
            first.connect() as conn,
        ):
            before = conn.execute(
                "select url, endpoint_id, signing_secret from stripe_webhook_endpoints"
            ).fetchall()

        with app_stack(wallet_ledger_db_url, tmp_path / "second", fake=fake, port=port) as second:
            with second.connect() as conn:
                after = conn.execute(
                    "select url, endpoint_id, signing_secret from stripe_webhook_endpoints"
                ).fetchall()
            endpoints = second.stripe.v1.webhook_endpoints.list().data
            with second.api() as api:
                session_id = api.post("/api/wallet/topups", json={"amount_pence": 1000}).json()[
                    "session_id"
                ]
            second.control.pay(session_id)
            second.control.settle()
            credited = wait_for_topup(second, session_id, "credited")

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
        with stack.api() as api:
            session_id = api.post("/api/wallet/topups", json={"amount_pence": 1000}).json()[
                "session_id"
            ]
        stack.control.pay(session_id)
        stack.control.settle()
        attempts = stack.control.deliveries(object_id=session_id).attempts

    # the fake signs with the endpoint's real secret; the app checks the configured one
    assert attempts
    assert {attempt.status_code for attempt in attempts} == {400}
