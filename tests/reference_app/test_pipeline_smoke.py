"""The money path through the real processes: top-up API -> Checkout -> webhook -> worker ->
ledger, and the landing check."""

from __future__ import annotations

from harness.stack.wallet_stack import WalletStack
from tests.reference_app.evidence import DEMO_TOKEN, OTHER_TOKEN, wait_for_topup


def test_a_paid_topup_is_credited_once_by_the_webhook_path(stack: WalletStack) -> None:
    with stack.api(DEMO_TOKEN) as api:
        created = api.post("/api/wallet/topups", json={"amount_pence": 5000})
        assert created.status_code == 201, created.text
        session_id = created.json()["session_id"]

        paid = stack.control.pay(session_id, email="test@demo.com")
        assert paid.status == "succeeded"
        stack.control.settle()
        # the customer closed the tab: no landing check, the webhook path alone must credit
        assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")
        state = api.get(f"/api/wallet/topups/{session_id}").json()

    assert state["balance"] == "£50.00"
    assert state["fulfilled_by"] == "webhook"
    with stack.connect() as conn:
        rows = conn.execute(
            "select type, direction, amount_pence, balance_before_pence, balance_after_pence,"
            " stripe_payment_intent_id, stripe_checkout_session_id from credit_transactions"
        ).fetchall()
    assert len(rows) == 1
    assert rows[0][:5] == ("topup", "credit", 5000, 0, 5000)
    assert rows[0][5].startswith("pi_")
    assert rows[0][6] == session_id


def test_the_landing_check_credits_a_session_whose_webhook_was_dropped(stack: WalletStack) -> None:
    stack.control.add_fault("drop", event_type="checkout.session.completed", times=None)
    with stack.api(DEMO_TOKEN) as api:
        session_id = api.post("/api/wallet/topups", json={"amount_pence": 2500}).json()[
            "session_id"
        ]
        stack.control.pay(session_id)
        stack.control.settle()

        state = api.get(f"/api/wallet/topups/{session_id}").json()

    assert (state["status"], state["fulfilled_by"], state["balance"]) == (
        "credited",
        "landing",
        "£25.00",
    )


def test_another_orgs_session_is_not_found(stack: WalletStack) -> None:
    with stack.api(DEMO_TOKEN) as api:
        session_id = api.post("/api/wallet/topups", json={"amount_pence": 2500}).json()[
            "session_id"
        ]
    with stack.api(OTHER_TOKEN) as other:
        answer = other.get(f"/api/wallet/topups/{session_id}")
    assert answer.status_code == 404
    assert "no top-up" in answer.json()["error"]
