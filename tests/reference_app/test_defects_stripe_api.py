"""Defects in how the app meets Stripe's API failing: a session that cannot be created is refused
with a reason and nothing recorded, and a paid session Stripe cannot confirm for now is retried,
not given up on."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reference_app.evidence import (
    DEMO_TOKEN,
    balance,
    job_statuses,
    ledger_rows,
    new_topup,
    topup_status,
    wait_for_topup,
    wait_until,
)
from tests.reference_app.running import app_stack

SESSIONS = "/v1/checkout/sessions"


@pytest.mark.parametrize("defect", [None, "checkout-error-unhandled"])
def test_stripe_failing_while_a_session_is_created_is_a_502_with_a_reason(
    wallet_ledger_db_url: str, tmp_path: Path, defect: str | None
) -> None:
    defects = () if defect is None else (defect,)
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects) as stack:
        # more than the SDK's one retry: the app itself must answer
        stack.control.add_api_fault("error", method="POST", path=SESSIONS, times=2, status=500)
        with stack.api(DEMO_TOKEN) as api:
            answer = api.post("/api/wallet/topups", json={"amount_pence": 5000})

        assert [hit.status for hit in stack.control.api_fault_hits()] == [500, 500]
        with stack.connect() as conn:
            topups = conn.execute("select count(*) from topups").fetchone()
        assert topups == (0,)  # no session, so nothing recorded
        if defect is None:
            assert answer.status_code == 502
            assert "nothing was charged" in answer.json()["error"]
            return
        assert answer.status_code == 500
        assert "nothing was charged" not in answer.text


@pytest.mark.parametrize("defect", [None, "stripe-error-not-retried"])
def test_a_paid_session_stripe_cannot_confirm_for_now_is_retried(
    wallet_ledger_db_url: str, tmp_path: Path, defect: str | None
) -> None:
    defects = () if defect is None else (defect,)
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects) as stack:
        session_id = new_topup(stack)
        # the job's first attempt: the SDK's request and its one retry both get a 503
        stack.control.add_api_fault("error", object_id=session_id, times=2, status=503)
        stack.control.pay(session_id)
        stack.control.settle()

        if defect is None:
            assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")
            assert (balance(stack), len(ledger_rows(stack))) == (5000, 1)
            return
        wait_until(lambda: "failed" in job_statuses(stack), what="the job given up")
        assert topup_status(stack, session_id) == ("created", None)
        assert (balance(stack), ledger_rows(stack)) == (0, [])
