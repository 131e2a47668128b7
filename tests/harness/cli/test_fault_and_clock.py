"""``wallet-harness fault`` and ``clock`` against a real fake_stripe process: rules added from
the command line are the rules the fake holds, ``fault list`` shows them and what they did,
``clock advance`` runs the retries that fall due and says so."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import stripe

from fake_stripe.client import FakeStripeControl
from harness.cli.main import main
from harness.cli.serve_state import ServeState, write_state
from harness.ports import free_port
from harness.stack.services import ServiceProcess, python_module

COMPLETED = "checkout.session.completed"


@pytest.fixture(scope="module")
def fake_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("fake") / "fake.log"
    fake = ServiceProcess(
        "fake_stripe", python_module("fake_stripe", "--port", str(port)), os.environ, log
    )
    url = f"http://127.0.0.1:{port}"
    fake.start()
    try:
        fake.wait_ready(lambda: _answers(url), 30, "GET /_control/health")
        yield url
    finally:
        fake.stop()


@pytest.fixture
def control(fake_url: str) -> Iterator[FakeStripeControl]:
    with FakeStripeControl(fake_url) as client:
        client.reset(endpoints=True)
        yield client


def _answers(url: str) -> bool:
    try:
        httpx.get(f"{url}/_control/health", timeout=1)
    except httpx.TransportError:
        return False
    return True


def harness(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_rules_added_on_the_command_line_are_the_fakes(
    control: FakeStripeControl, fake_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    commands = [
        f"fail --event {COMPLETED} --times 3 --status 500",
        f"delay --event {COMPLETED} --seconds 2h",
        "drop --probability 0.3 --times unlimited",
    ]
    added = [
        harness(capsys, "fault", "add", *command.split(), "--fake-url", fake_url)
        for command in commands
    ]

    assert [code for code, _ in added] == [0, 0, 0]
    assert added[0][1].startswith("added fault_1: fail, event_type=checkout.session.completed")
    rules = {rule.action: rule for rule in control.faults()}
    assert (rules["fail"].times, rules["fail"].params["status"]) == (3, 500)
    assert rules["fail"].match["event_type"] == COMPLETED
    assert (rules["delay"].times, rules["delay"].params) == (1, {"seconds": 7200})
    assert (rules["drop"].times, rules["drop"].probability) == (None, 0.3)


def test_fault_list_shows_each_rule_and_the_injected_counts(
    control: FakeStripeControl, fake_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    control.add_fault("fail", event_type=COMPLETED, times=3, status=503)
    control.add_fault("delay", seconds=5400)

    code, out = harness(capsys, "fault", "list", "--fake-url", fake_url)

    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("fault_")}
    assert rows.keys() == {"fault_1", "fault_2"}
    assert "event_type=checkout.session.completed" in rows["fault_1"]
    assert "0 of 3" in rows["fault_1"]
    assert "status=503" in rows["fault_1"]
    assert "every delivery" in rows["fault_2"]
    assert "seconds=5400 (1h30m)" in rows["fault_2"]
    assert "injected since the last reset: nothing" in out


def test_fault_clear_and_remove(
    control: FakeStripeControl, fake_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    first = control.add_fault("drop")
    control.add_fault("hold")
    control.add_fault("reissue")

    removed = harness(capsys, "fault", "remove", first.id, "--fake-url", fake_url)
    assert removed == (0, f"removed {first.id}\n")
    assert [rule.action for rule in control.faults()] == ["hold", "reissue"]

    cleared = harness(capsys, "fault", "clear", "--fake-url", fake_url)
    assert cleared[0] == 0
    assert "cleared 2 fault rules" in cleared[1]
    assert control.faults() == []
    listed = harness(capsys, "fault", "list", "--fake-url", fake_url)
    assert "no fault rules" in listed[1]


def test_the_fakes_own_refusals_exit_2(
    control: FakeStripeControl, fake_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_status = harness(capsys, "fault", "add", "fail", "--status", "200", "--fake-url", fake_url)
    unknown = harness(capsys, "fault", "remove", "fault_99", "--fake-url", fake_url)

    assert bad_status[0] == 2
    assert "the fake refused: params.status of fail must be an HTTP status" in bad_status[1]
    assert unknown[0] == 2
    assert unknown[1] == "wallet-harness: fault remove: the fake refused: no fault rule fault_99\n"
    assert control.faults() == []


def test_api_faults_from_the_command_line_meet_the_apps_requests(
    control: FakeStripeControl, fake_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sessions = "/v1/checkout/sessions"
    added = harness(
        capsys, "api-fault", "add", "error", "--method", "post", "--path", sessions,
        "--status", "429", "--retry-after", "2", "--fake-url", fake_url,
    )  # fmt: skip
    client = stripe.StripeClient(
        "sk_test_cli",
        base_addresses={"api": fake_url},
        http_client=stripe.HTTPXClient(allow_sync_methods=True),
        max_network_retries=0,
    )
    with pytest.raises(stripe.RateLimitError):
        client.v1.checkout.sessions.create(
            params={"mode": "payment", "success_url": "http://127.0.0.1:9/ok"}
        )
    listed = harness(capsys, "api-fault", "list", "--fake-url", fake_url)
    hits = harness(capsys, "api-fault", "hits", "--fake-url", fake_url)
    cleared = harness(capsys, "api-fault", "clear", "--fake-url", fake_url)

    assert added == (
        0,
        f"added api_fault_1: error, method=POST path={sessions}, once, status=429"
        " retry_after=2 processed=False\n",
    )
    assert "1 of 1" in listed[1]
    assert "injected since the last reset: error 1" in listed[1]
    assert f"POST {sessions}" in hits[1]
    assert "429" in hits[1]
    assert cleared[0] == 0
    assert control.api_faults() == []


def test_api_fault_refuses_what_the_action_does_not_take_and_paths_outside_v1(
    fake_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seconds = harness(capsys, "api-fault", "add", "reset", "--seconds", "5", "--fake-url", fake_url)
    control_path = harness(
        capsys, "api-fault", "add", "error", "--path", "/_control/*", "--fake-url", fake_url
    )

    assert seconds == (2, "wallet-harness: api-fault add: reset takes no --seconds (it is for"
                       " timeout)\n")  # fmt: skip
    assert control_path[0] == 2
    assert "--path starts with /v1/" in control_path[1]


def test_the_state_file_of_serve_finds_the_fake(
    control: FakeStripeControl,
    fake_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    state = tmp_path / "serve.json"
    write_state(
        state,
        ServeState(
            pid=os.getpid(),  # alive: stands in for the serve that wrote it
            fake_url=fake_url,
            control_url=f"{fake_url}/_control",
            web_url="http://127.0.0.1:1",
            dashboard_url="http://127.0.0.1:1/dashboard/wallet",
            database_url="postgresql://postgres@127.0.0.1:2/wallet",
        ),
    )

    added = harness(capsys, "fault", "add", "hold", "--port-file", str(state))
    shown = harness(capsys, "clock", "show", "--port-file", str(state))

    assert added[0] == 0
    assert [rule.action for rule in control.faults()] == ["hold"]
    assert shown[0] == 0
    assert "offset: 0s ahead of real time" in shown[1]


def test_clock_advance_runs_the_retry_that_falls_due_and_says_so(
    control: FakeStripeControl, fake_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    session_id = paid_session_with_a_failed_first_delivery(fake_url, control)

    code, out = harness(capsys, "clock", "advance", "5m", "--fake-url", fake_url)

    assert code == 0
    assert "advanced 5m" in out
    assert "offset: 5m ahead of real time" in out
    assert "deliveries during the advance: 1" in out
    ran = next(line for line in out.splitlines() if "attempt 2" in line)
    assert COMPLETED in ran
    assert session_id in ran
    assert "no answer" in ran
    assert "still waiting: 1" in out  # the next retry, 30 minutes on
    assert control.clock().offset >= 300
    attempts = control.deliveries(object_id=session_id).attempts
    assert [attempt.attempt for attempt in attempts] == [1, 2]


def test_clock_show_lists_what_waits_for_the_clock(
    control: FakeStripeControl, fake_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    session_id = paid_session_with_a_failed_first_delivery(fake_url, control)

    code, out = harness(capsys, "clock", "show", "--fake-url", fake_url)

    assert code == 0
    assert "retry schedule: test (5m + 30m + 2h; 4 attempts at most)" in out
    assert "waiting deliveries: 1" in out
    assert f"for {session_id}: scheduled after 1 attempt(s), due" in out


def paid_session_with_a_failed_first_delivery(fake_url: str, control: FakeStripeControl) -> str:
    """A paid Checkout Session whose completed event went to an endpoint nobody listens on:
    its first attempt failed, the retry waits for the clock."""
    client = stripe.StripeClient(
        "sk_test_cli",
        base_addresses={"api": fake_url},
        http_client=stripe.HTTPXClient(allow_sync_methods=True),
        max_network_retries=0,
    )
    nobody = f"http://127.0.0.1:{free_port()}/api/webhooks/stripe"
    client.v1.webhook_endpoints.create(params={"url": nobody, "enabled_events": [COMPLETED]})
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": "gbp",
                        "unit_amount": 5000,
                        "product_data": {"name": "Wallet top-up"},
                    },
                    "quantity": 1,
                }
            ],
            "success_url": "http://127.0.0.1:9/dashboard/wallet?session_id={CHECKOUT_SESSION_ID}",
        }
    )
    assert control.pay(session.id, wait_for_webhook=False).status == "succeeded"
    control.settle()
    assert [a.succeeded for a in control.deliveries(object_id=session.id).attempts] == [False]
    return session.id
