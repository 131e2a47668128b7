"""``python -m fake_stripe`` runs the double as its own process, as other languages use it."""

from __future__ import annotations

import signal
import subprocess
import sys

import httpx
import pytest
import stripe

from harness.polling import poll_until
from harness.ports import free_port


def wait_until_up(base_url: str, process: subprocess.Popen[str]) -> None:
    def healthy() -> bool:
        if process.poll() is not None:
            pytest.fail(f"fake-stripe exited early: {process.communicate()[1]}")
        try:
            return httpx.get(f"{base_url}/_control/health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    if not poll_until(healthy, timeout=20):
        pytest.fail("fake-stripe did not answer within 20 s")


def test_the_command_serves_the_api_logs_requests_and_stops_on_sigterm() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "fake_stripe", "--port", str(port), "--seed", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base_url, process)
        client = stripe.StripeClient(
            "sk_test_cli",
            base_addresses={"api": base_url},
            http_client=stripe.HTTPXClient(allow_sync_methods=True),
            max_network_retries=0,
        )
        product = client.v1.products.create(params={"name": "Wallet top-up"})
        assert product.id.startswith("prod_")
        assert httpx.get(f"{base_url}/_control/health").json()["seed"] == 3
    finally:
        process.send_signal(signal.SIGTERM)
        _, log = process.communicate(timeout=20)

    # a graceful stop: uvicorn finishes the app's shutdown, then re-raises the signal it caught
    assert process.returncode in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in log
    assert f"fake_stripe listening on {base_url} (seed 3" in log
    assert "POST /v1/products -> 200" in log


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("--retry-schedule=soon", "retry schedule must be test, live or seconds"),
        ("--port=x", "argument --port: a whole number, not 'x'"),
        ("--port=65536", "a TCP port from 0 (any free one) to 65535, not 65536"),
        ("--seed=9223372036854775808", "a seed fits in 64 bits, signed"),
        ("--delivery-timeout=0", "argument --delivery-timeout: seconds more than 0 to 300"),
        ("--delivery-timeout=nan", "seconds more than 0 to 300, not 'nan'"),
        ("--checkout-wait=-1", "argument --checkout-wait: seconds from 0 to 300, not '-1'"),
        ("--settle-after=1e20", "argument --settle-after: seconds from 0 to 3.16224e+08"),
        ("--log-level=loud", "argument --log-level: invalid choice: 'LOUD'"),
        ("--delivery=5", "unrecognized arguments: --delivery=5"),  # not --delivery-timeout
    ],
)
def test_bad_options_are_refused_clearly(argument: str, message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fake_stripe", argument],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
