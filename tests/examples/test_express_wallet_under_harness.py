"""The example Express/BullMQ app under the harness's commands, through its profile alone
(issue 13): ``reproduce`` shows the bug report's symptoms and blames the delivery, and
``simulate`` catches its no-idempotency bug as "paid credited once". (``tox -e
features-express`` runs the BDD suite on it, ``simulation-express`` the healthy 500 top-up
simulation under the nemesis, ``defect-matrix-express`` its defect matrix.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from harness.postgres.server import PostgresServer
from tests.examples.express import APP, needs_node

pytestmark = needs_node

PROFILE = APP / "wallet-harness.toml"
REPO_ROOT = APP.parents[1]
RUN_TIMEOUT = 300


def harness(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *arguments],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def test_the_report_preset_shows_the_reports_symptoms_and_blames_the_delivery(
    wallet_postgres: PostgresServer,
) -> None:
    app = str(PROFILE.relative_to(REPO_ROOT))
    done = harness("reproduce", "--app", app, "report", "--db-url", wallet_postgres.admin_url)

    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "First broken stage: delivery" in out
    assert "the endpoint is registered at http://127.0.0.1:9/api/webhooks/stripe" in out
    assert "Stripe: £50.00, payment_status paid" in out
    assert "The customer saw: a balance of £0.00 on the dashboard; no message" in out
    assert "The ledger: the organisation holds £0.00; 0 top-up rows" in out
    # the commands it suggests run the same app
    assert f"wallet-harness matrix --app {app} --defect report" in out
    assert "Traceback" not in out + done.stderr


def test_the_no_idempotency_bug_breaks_paid_credited_once(
    wallet_postgres: PostgresServer, tmp_path: Path
) -> None:
    done = harness(
        "simulate",
        "--app",
        str(PROFILE),
        "--defect",
        "no-idempotency",
        "--seed",
        "1",
        "--orgs",
        "20",
        "--topups",
        "500",
        "--no-shrink",
        "--db-url",
        wallet_postgres.admin_url,
        "--report",
        str(tmp_path / "simulation.html"),
    )

    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "VIOLATED: paid credited once" in out
    assert "credited 2 times" in out
    assert f"replay: wallet-harness simulate --app {PROFILE} --seed 1" in out
    assert "Traceback" not in out + done.stderr
