"""Defects at the fulfilment stage: a webhook lost for good must still be recovered, by the
landing check (it asks Stripe) or by the sweep of Stripe's event list."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.stack.wallet_stack import WalletStack
from tests.reference_app.evidence import (
    balance,
    landing_check,
    ledger_rows,
    paid_topup,
    topup_status,
    wait_for_topup,
    wait_until,
)
from tests.reference_app.running import app_stack

COMPLETED = "checkout.session.completed"
SWEEP_SECONDS = 0.5


@pytest.mark.parametrize("defect", [None, "landing-page-db-only"])
def test_the_landing_check_recovers_a_lost_webhook(
    wallet_ledger_db_url: str, tmp_path: Path, defect: str | None
) -> None:
    defects = () if defect is None else (defect,)
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects) as stack:
        stack.control.add_fault("drop", event_type=COMPLETED, times=None)
        session_id = paid_topup(stack)

        state = landing_check(stack, session_id)
        if defect is None:
            assert (state["status"], state["fulfilled_by"], state["balance_pence"]) == (
                "credited",
                "landing",
                5000,
            )
            return
        # paid at Stripe, "being confirmed" for ever: the report's symptom exactly
        assert (state["status"], state["balance_pence"]) == ("pending", 0)
        assert stack.stripe.v1.checkout.sessions.retrieve(session_id).payment_status == "paid"
        assert ledger_rows(stack) == []


@pytest.mark.parametrize("defect", [None, "no-reconciliation"])
def test_the_workers_sweep_recovers_a_lost_webhook(
    wallet_ledger_db_url: str, tmp_path: Path, defect: str | None
) -> None:
    """Nobody comes back to the landing page; only the periodic sweep can find the payment."""
    defects = () if defect is None else (defect,)
    env = {"RECONCILE_INTERVAL_SECONDS": str(SWEEP_SECONDS)}
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects, env=env) as stack:
        stack.control.add_fault("drop", event_type=COMPLETED, times=None)
        session_id = paid_topup(stack)

        if defect is None:
            assert wait_for_topup(stack, session_id, "credited") == ("credited", "reconcile")
            assert balance(stack) == 5000
            return
        # two more heartbeats (2 s apart) span several sweep intervals: no sweep ran in any
        for _ in range(2):
            wait_for_next_heartbeat(stack)
        assert "reconcile:" not in stack.log_text("worker")
        assert topup_status(stack, session_id) == ("created", None)
        assert (balance(stack), ledger_rows(stack)) == (0, [])
        # the session was recoverable all along: the sweep, run by hand, credits it
        swept = run_reconcile(stack)
        assert "1 credited now" in swept, swept
        assert topup_status(stack, session_id) == ("credited", "reconcile")
        # a second sweep leaves the credited session alone
        again = run_reconcile(stack)
        assert "reconciled 1 session(s): 0 credited now" in again, again
        assert len(ledger_rows(stack)) == 1


def wait_for_next_heartbeat(stack: WalletStack) -> None:
    beat = last_heartbeat(stack)
    wait_until(lambda: last_heartbeat(stack) > beat, what="a heartbeat")


def last_heartbeat(stack: WalletStack) -> float:
    with stack.connect() as conn:
        row = conn.execute(
            "select extract(epoch from max(beat_at))::float8 from worker_heartbeats"
        ).fetchone()
    return 0.0 if row is None or row[0] is None else float(row[0])


def run_reconcile(stack: WalletStack) -> str:
    """The sweep run by hand as support would, by the healthy app's command."""
    env = {**stack.web.env, "WALLET_DEFECTS": ""}
    done = subprocess.run(
        [sys.executable, "-m", "reference_app", "reconcile"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout
