"""Stripe's official Node SDK, pointed at the fake, works unchanged (a second language)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from fake_stripe.server import FakeStripeServer

NODE_PROJECT = Path(__file__).resolve().parent

pytestmark = pytest.mark.skipif(
    (shutil.which("node") is None or not (NODE_PROJECT / "node_modules" / "stripe").is_dir())
    and not os.environ.get("CI"),
    reason="needs node and `npm install --prefix tests/fake_stripe/node_sdk` (scripts/bootstrap"
    " does both; never skipped in CI)",
)


@pytest.mark.usefixtures("control")  # the session's fake reset: no fault or clock of a test before
def test_the_node_sdk_creates_reads_and_verifies_a_paid_session(
    fake_server: FakeStripeServer,
) -> None:
    done = subprocess.run(
        ["node", str(NODE_PROJECT / "checkout_flow.mjs"), fake_server.base_url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["session"].startswith("cs_test_")
    assert seen["amount_total"] == 5000
    assert seen["payment"] == "succeeded"
    assert (seen["status"], seen["payment_status"]) == ("complete", "paid")
    assert seen["payment_intent"].startswith("pi_")
    assert seen["line_item_total"] == 5000
    assert seen["verified"] == ["checkout.session.completed"]
    assert seen["badRequest"] == {"type": "StripeInvalidRequestError", "param": "line_items"}
