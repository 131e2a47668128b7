"""Defects at the delivery and signature stages: Stripe's deliveries never reach the inbox.

Each runs the same paid top-up on the healthy app and on the app with the defect; the evidence is
the fake's delivery log, the inbox, ``webhook_rejections`` and the ledger."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from reference_app.webhook_registration import STALE_WEBHOOK_URL
from tests.reference_app.evidence import (
    balance,
    delivery_codes,
    inbox,
    landing_check,
    ledger_rows,
    paid_topup,
    rejections,
    wait_for_topup,
)
from tests.reference_app.running import app_stack

COMPLETED = "checkout.session.completed"


@pytest.mark.parametrize(
    ("defect", "codes"),
    [
        (None, [200]),
        ("stale-webhook-url", [None]),  # nothing listens there: connection refused
        ("route-not-mounted", [404]),
        ("webhook-redirect", [308]),  # a 3xx is a failed delivery; Stripe does not follow it
        ("not-subscribed", []),  # the completed event is never sent to the endpoint
    ],
)
def test_a_delivery_defect_keeps_the_event_out_of_the_inbox(
    wallet_ledger_db_url: str, tmp_path: Path, defect: str | None, codes: list[int | None]
) -> None:
    defects = () if defect is None else (defect,)
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects) as stack:
        session_id = paid_topup(stack)

        assert delivery_codes(stack, session_id) == codes
        if defect is None:
            assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")
            assert [event[:2] for event in inbox(stack, session_id)] == [(COMPLETED, "processed")]
            return
        assert inbox(stack, session_id) == []
        assert (balance(stack), ledger_rows(stack)) == (0, [])
        if defect == "stale-webhook-url":
            attempts = stack.control.deliveries(object_id=session_id).attempts
            assert {attempt.endpoint_url for attempt in attempts} == {STALE_WEBHOOK_URL}
        # the landing check (healthy here) rescues the customer who comes back
        state = landing_check(stack, session_id)
        assert (state["status"], state["fulfilled_by"], state["balance_pence"]) == (
            "credited",
            "landing",
            5000,
        )


def test_the_redirect_points_at_a_trailing_slash(wallet_ledger_db_url: str, tmp_path: Path) -> None:
    with app_stack(wallet_ledger_db_url, tmp_path, defects=("webhook-redirect",)) as stack:
        answer = httpx.post(stack.web_url + "/api/webhooks/stripe", content=b"{}")
    assert answer.status_code == 308
    assert answer.headers["location"] == stack.web_url + "/api/webhooks/stripe/"


@pytest.mark.parametrize("defect", [None, "body-reserialised", "wrong-secret"])
def test_a_signature_defect_rejects_every_delivery(
    wallet_ledger_db_url: str, tmp_path: Path, defect: str | None
) -> None:
    defects = () if defect is None else (defect,)
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects) as stack:
        session_id = paid_topup(stack)
        stack.control.advance(minutes=5)  # Stripe's first retry: signed afresh, refused again

        if defect is None:
            assert delivery_codes(stack, session_id) == [200]
            assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")
            assert rejections(stack) == []
            return
        assert delivery_codes(stack, session_id) == [400, 400]
        reasons = rejections(stack)
        assert len(reasons) == 2
        assert all(reason.startswith("signature rejected") for reason in reasons)
        assert inbox(stack, session_id) == []
        assert (balance(stack), ledger_rows(stack)) == (0, [])
