"""``wallet-harness reproduce``: the report's £50 top-up in real Chromium on the real stack.
On the healthy app every stage holds and the exit code is 0; against the report's app
(``seed-bug``) the command exits 1 and names ``delivery`` as the first broken stage, with the
checklist line it answers, what the customer saw and what the ledger holds."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.browser.contexts import ContextSource
from harness.cli.reproduction import REPORT_SCENARIO, checklist_lines, reproduce_topup
from harness.console import make_console
from harness.diagnosis import STAGE_KEYS
from harness.postgres.server import PostgresServer
from harness.scenario import Scenario
from harness.stack.pool import StackPool

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[3]
RUN_TIMEOUT = 180  # real seconds for the whole command, start-up to shut-down


def test_on_the_healthy_app_every_stage_holds_and_it_exits_0(
    wallet_stacks: StackPool,
    wallet_context_source: ContextSource,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stack = wallet_stacks.get(())
    stack.reset()
    scenario = Scenario(stack, wallet_context_source)
    try:
        code = reproduce_topup(scenario, make_console(), None)
    finally:
        scenario.close()

    out = capsys.readouterr().out
    assert code == 0, out
    assert "First broken stage: none; every stage of the flow held up" in out
    marks = {key: mark for mark, key in re.findall(r"^  ([✔✘⚡·-]) (\w+) ", out, re.MULTILINE)}
    assert list(marks) == list(STAGE_KEYS), out
    # the rescue is "not needed" when the webhook credits before the landing page checks
    assert all(mark == "✔" for key, mark in marks.items() if key != "rescue"), out
    assert marks["rescue"] == "✔" or "  - rescue      not needed" in out, out
    assert "checklist" not in out  # no broken stage to answer for
    assert "The customer saw: a balance of £50.00 on the dashboard" in out
    assert "The ledger: the organisation holds £50.00; 1 top-up row" in out
    assert f"wallet-harness run -k {REPORT_SCENARIO}" in out


def test_seed_bug_exits_1_and_names_the_delivery_stage(
    wallet_postgres: PostgresServer,
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "reproduce",
            "seed-bug",
            "--db-url",
            wallet_postgres.admin_url,
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )

    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "First broken stage: delivery" in out
    assert "  ✘ delivery    FIRST BROKEN:" in out
    checklist = out.split("investigation checklist", 1)[1]
    assert checklist_lines("delivery")[0] in checklist
    assert "§1 Webhook Not Being Received: Is Stripe sending the webhook to the correct URL?" in out
    assert "Stripe: £50.00, payment_status paid" in out
    assert "The customer saw: a balance of £0.00 on the dashboard" in out
    assert "The ledger: the organisation holds £0.00; 0 top-up rows" in out
    assert "wallet-harness run --tags seed-bug" in out
    assert "Traceback" not in out + done.stderr
