"""The ``seed-bug`` preset reproduces the report: paid, redirected, balance unchanged, no
transaction row; and the manual terminal path still works, as the report says it did."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.reference_app.evidence import DEMO_TOKEN, topup_status
from tests.reference_app.running import app_stack

DEMO_ORG = "ad9306a9-4d8a-4685-a667-cbeb7eb01a07"


def test_the_reports_top_up_is_paid_and_redirected_but_never_credited(
    wallet_ledger_db_url: str, tmp_path: Path
) -> None:
    with app_stack(wallet_ledger_db_url, tmp_path, defects=("seed-bug",)) as stack:
        with stack.api(DEMO_TOKEN) as api:
            session_id = api.post("/api/wallet/topups", json={"amount_pence": 5000}).json()[
                "session_id"
            ]
            paid = stack.control.pay(session_id, email="test@demo.com")
            stack.control.settle()
            landed = api.get(f"/api/wallet/topups/{session_id}").json()
        deliveries = stack.control.deliveries(object_id=session_id).attempts
        with stack.connect() as conn:
            rows = conn.execute("select count(*) from credit_transactions").fetchone()
            balance = conn.execute(
                "select wallet_balance_pence from organizations where id = %s", (DEMO_ORG,)
            ).fetchone()
        status = topup_status(stack, session_id)

    # Stripe charged and redirected the customer to the dashboard...
    assert paid.status == "succeeded"
    assert paid.redirect_url is not None
    assert "/dashboard/wallet?session_id=" in paid.redirect_url
    # ...Stripe sent the webhook, to a URL where nothing listens any more...
    completed = [a for a in deliveries if a.event_type == "checkout.session.completed"]
    assert completed
    assert all(a.endpoint_url.startswith("http://127.0.0.1:9/") for a in completed)
    assert all(not a.succeeded for a in completed)
    # ...and the wallet still says £0: no transaction row, the landing check only read the db
    assert (landed["status"], landed["balance"]) == ("pending", "£0.00")
    assert rows == (0,)
    assert balance == (0,)
    assert status == ("created", None)


def test_only_the_manual_terminal_credit_moves_the_balance(wallet_ledger_db_url: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reference_app",
            "credit",
            "--database-url",
            wallet_ledger_db_url,
            "--org",
            DEMO_ORG,
            "--amount-pence",
            "5000",
            "--reason",
            "manual terminal credit",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "balance £50.00" in done.stdout
