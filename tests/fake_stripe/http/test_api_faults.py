"""Fault rules on the API (``/_control/api_faults``), seen through the official SDK: errors with
Stripe's JSON, a 429 with ``Retry-After``, timeouts and cut connections, the request taking
effect or not, seeded probability, and never a fault on the control API or the hosted page."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
import stripe

from fake_stripe.client import API_FAULT_ACTIONS, OBSERVER_HEADER, ControlError, FakeStripeControl
from fake_stripe.server import FakeStripeServer
from tests.fake_stripe.conftest import new_session

SESSIONS = "/v1/checkout/sessions"


def client_for(server: FakeStripeServer, *, retries: int = 0, timeout: float = 10) -> Any:
    return stripe.StripeClient(
        "sk_test_fake_123",
        base_addresses={"api": server.base_url},
        http_client=stripe.HTTPXClient(timeout=timeout, allow_sync_methods=True),
        max_network_retries=retries,
    )


def session_count(client: stripe.StripeClient) -> int:
    return len(client.v1.checkout.sessions.list(params={"limit": 100}).data)


def test_a_500_on_session_creation_creates_nothing_and_is_recorded(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    rule = control.add_api_fault("error", method="POST", path=SESSIONS, status=500)

    with pytest.raises(stripe.APIError) as raised:
        new_session(stripe_client)

    assert raised.value.http_status == 500
    assert raised.value.error is not None
    assert raised.value.error.type == "api_error"
    assert session_count(stripe_client) == 0
    [hit] = control.api_fault_hits()
    assert (hit.rule_id, hit.method, hit.path, hit.status, hit.processed) == (
        rule.id,
        "POST",
        SESSIONS,
        500,
        False,
    )
    assert control.api_faults_injected() == {"error": 1}
    new_session(stripe_client)  # times=1: the next one goes through
    assert session_count(stripe_client) == 1


def test_the_sdks_own_retry_gets_past_one_503(
    fake_server: FakeStripeServer, control: FakeStripeControl
) -> None:
    control.add_api_fault("error", method="POST", path=SESSIONS, status=503)

    session = new_session(client_for(fake_server, retries=1))

    assert session.id.startswith("cs_test_")
    assert [hit.status for hit in control.api_fault_hits()] == [503]
    assert session_count(client_for(fake_server)) == 1


def test_a_429_is_a_rate_limit_with_retry_after(
    fake_server: FakeStripeServer, stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    control.add_api_fault("error", path=f"{SESSIONS}*", status=429, retry_after=2)

    with pytest.raises(stripe.RateLimitError) as raised:
        new_session(stripe_client)

    assert raised.value.error is not None
    assert raised.value.error.code == "rate_limit"
    assert raised.value.headers is not None
    assert raised.value.headers["Retry-After"] == "2"
    answer = httpx.post(
        f"{fake_server.base_url}{SESSIONS}", headers={"Authorization": "Bearer sk_test_x"}
    )
    assert answer.status_code == 400  # times=1 was used up; this one reaches the handler


def test_a_processed_request_whose_answer_is_lost_is_replayed_by_its_idempotency_key(
    fake_server: FakeStripeServer, control: FakeStripeControl
) -> None:
    control.add_api_fault("error", method="POST", path=SESSIONS, status=500, processed=True)
    client = client_for(fake_server)
    key = {"idempotency_key": "topup-1"}

    with pytest.raises(stripe.APIError):
        client.v1.checkout.sessions.create(params=session_params(), options=key)
    again = client.v1.checkout.sessions.create(params=session_params(), options=key)

    assert session_count(client) == 1  # the first call did create it
    assert again.last_response is not None
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert control.api_fault_hits()[0].processed is True


def test_a_timeout_trips_the_clients_timeout_and_frees_the_fake(
    fake_server: FakeStripeServer, control: FakeStripeControl
) -> None:
    session = new_session(client_for(fake_server))
    control.add_api_fault("timeout", object_id=session.id, seconds=30)
    client = client_for(fake_server, timeout=0.5)

    started = time.monotonic()
    with pytest.raises(stripe.APIConnectionError):
        client.v1.checkout.sessions.retrieve(session.id)
    waited = time.monotonic() - started

    assert 0.5 <= waited < 5  # the client's timeout, not the rule's 30 s
    assert client.v1.checkout.sessions.retrieve(session.id).id == session.id
    [hit] = control.api_fault_hits()
    assert (hit.action, hit.status) == ("timeout", None)


def test_a_hold_shorter_than_the_clients_timeout_ends_in_a_cut_connection(
    fake_server: FakeStripeServer, control: FakeStripeControl
) -> None:
    control.add_api_fault("timeout", method="GET", path=SESSIONS, seconds=0.2)

    with pytest.raises(stripe.APIConnectionError):
        client_for(fake_server, timeout=5).v1.checkout.sessions.list()


def test_a_reset_connection_fails_the_call_and_a_processed_one_still_takes_effect(
    fake_server: FakeStripeServer, control: FakeStripeControl
) -> None:
    client = client_for(fake_server)
    control.add_api_fault("reset", method="POST", path=SESSIONS)
    with pytest.raises(stripe.APIConnectionError):
        new_session(client)
    assert session_count(client) == 0

    control.add_api_fault("reset", method="POST", path=SESSIONS, processed=True)
    with pytest.raises(stripe.APIConnectionError):
        new_session(client)
    assert session_count(client) == 1


def test_a_rule_for_one_object_spares_the_others(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    first, second = new_session(stripe_client), new_session(stripe_client)
    control.add_api_fault("error", object_id=first.id, times=None, status=502)

    for _ in range(3):
        with pytest.raises(stripe.APIError):
            stripe_client.v1.checkout.sessions.retrieve(first.id)
    assert stripe_client.v1.checkout.sessions.retrieve(second.id).id == second.id
    assert control.api_faults()[0].applied == 3


def test_probability_is_seeded_per_request_not_by_order(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    sessions = [new_session(stripe_client).id for _ in range(40)]

    def outcomes(order: list[str]) -> dict[str, bool]:
        control.clear_api_faults()
        control.add_api_fault("error", method="GET", times=None, probability=0.5, status=500)
        failed = {}
        for session_id in order:
            try:
                stripe_client.v1.checkout.sessions.retrieve(session_id)
                failed[session_id] = False
            except stripe.APIError:
                failed[session_id] = True
        return failed

    forwards = outcomes(sessions)
    backwards = outcomes(list(reversed(sessions)))

    assert forwards == backwards
    assert 8 <= sum(forwards.values()) <= 32  # about half of 40


def test_faults_never_touch_the_control_api_or_the_hosted_page(
    fake_server: FakeStripeServer, stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    session = new_session(stripe_client)
    control.add_api_fault("error", times=None, status=500)

    page = httpx.get(session.url or "")
    assert page.status_code == 200
    assert control.health()["ok"] is True
    with pytest.raises(ControlError, match="must start with /v1/"):
        control.add_api_fault("error", path="/_control/*")
    with pytest.raises(stripe.APIError):
        stripe_client.v1.checkout.sessions.retrieve(session.id)


def test_reset_clears_rules_hits_and_counts(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    rule = control.add_api_fault("error", path=SESSIONS)
    with pytest.raises(stripe.APIError):
        new_session(stripe_client)

    control.reset()

    assert (control.api_faults(), control.api_fault_hits()) == ([], [])
    assert control.api_faults_injected() == {}
    assert control.add_api_fault("reset").id == rule.id  # handles are numbered afresh


def test_rules_are_listed_read_and_removed(control: FakeStripeControl) -> None:
    rule = control.add_api_fault("error", method="get", path=f"{SESSIONS}/*", times=2)

    assert rule.match == {"method": "GET", "path": f"{SESSIONS}/*", "object_id": None}
    assert (rule.params, rule.remaining) == (
        {"status": 500, "retry_after": 0, "processed": False},
        2,
    )
    control.remove_api_fault(rule.id)
    assert control.api_faults() == []
    with pytest.raises(ControlError, match="no API fault rule"):
        control.remove_api_fault(rule.id)


def test_a_rule_naming_fields_faults_only_the_creation_that_carries_them(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    """Many customers create sessions at once; a rule picks one out by what it sends."""
    rule = control.add_api_fault(
        "error", method="POST", path=SESSIONS, fields={"client_reference_id": "org_b"}, status=500
    )

    other = new_session(stripe_client, client_reference_id="org_a")  # not this customer's
    with pytest.raises(stripe.APIError):
        new_session(stripe_client, client_reference_id="org_b")
    again = new_session(stripe_client, client_reference_id="org_b")  # times=1: used up

    assert other.client_reference_id == "org_a"
    assert again.client_reference_id == "org_b"
    assert [hit.rule_id for hit in control.api_fault_hits()] == [rule.id]
    [shown] = control.api_faults()
    assert shown.match["fields"] == {"client_reference_id": "org_b"}


def test_fields_match_nested_form_names_and_a_reads_query(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    control.add_api_fault(
        "error", method="POST", path=SESSIONS, fields={"metadata[org_id]": "org_c"}, status=503
    )
    control.add_api_fault(
        "error", method="GET", path=SESSIONS, fields={"status": "expired"}, status=500
    )

    new_session(stripe_client, metadata={"org_id": "org_d"})
    with pytest.raises(stripe.APIError):
        new_session(stripe_client, metadata={"org_id": "org_c"})
    stripe_client.v1.checkout.sessions.list(params={"status": "open"})
    with pytest.raises(stripe.APIError):
        stripe_client.v1.checkout.sessions.list(params={"status": "expired"})

    assert [hit.status for hit in control.api_fault_hits()] == [503, 500]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"action": "explode"}, "action must be one of error, timeout, reset"),
        ({"action": "error", "params": {"status": 200}}, "from 400 to 599"),
        ({"action": "error", "params": {"retry_after": -1}}, "retry_after of error"),
        ({"action": "timeout", "params": {"seconds": 0}}, "seconds of timeout"),
        ({"action": "timeout", "params": {"seconds": 301}}, "seconds of timeout"),
        ({"action": "reset", "params": {"status": 500}}, "reset takes no param"),
        ({"action": "reset", "match": {"method": "PUT"}}, "match.method must be one of"),
        ({"action": "reset", "match": {"event_type": "x"}}, "unknown field"),
        ({"action": "reset", "match": {"fields": ["a"]}}, "match.fields must be an object"),
        ({"action": "reset", "match": {"fields": {"a": 1}}}, "match.fields must map"),
        ({"action": "reset", "times": 0}, "times must be a positive"),
        ({"action": "reset", "probability": 2}, "probability must be"),
    ],
)
def test_a_rule_that_cannot_be_understood_is_refused_with_the_reason(
    fake_server: FakeStripeServer, rule: dict[str, Any], message: str
) -> None:
    answer = httpx.post(f"{fake_server.base_url}/_control/api_faults", json=rule)

    assert answer.status_code == 400
    assert message in answer.json()["error"]["message"]


def test_the_vocabulary_is_listed_for_tools_in_any_language(
    fake_server: FakeStripeServer, control: FakeStripeControl
) -> None:
    listed = httpx.get(f"{fake_server.base_url}/_control/api_faults/actions").json()

    assert listed == {"data": [action.to_json() for action in API_FAULT_ACTIONS]}
    assert control.api_fault_actions() == API_FAULT_ACTIONS
    assert {action.times_counts for action in API_FAULT_ACTIONS} == {"requests"}


def session_params() -> dict[str, Any]:
    return {
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
        "success_url": "http://127.0.0.1:9/ok",
    }


def test_a_tests_own_reads_never_meet_nor_use_up_a_fault(
    fake_server: FakeStripeServer, stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    session = new_session(stripe_client)
    control.add_api_fault("error", object_id=session.id, times=1, status=500)
    url = f"{fake_server.base_url}{SESSIONS}/{session.id}"
    observer = {"Authorization": "Bearer sk_test_x", OBSERVER_HEADER: "true"}

    assert [httpx.get(url, headers=observer).status_code for _ in range(3)] == [200, 200, 200]
    assert control.api_fault_hits() == []
    with pytest.raises(stripe.APIError):  # the app's read still meets it
        stripe_client.v1.checkout.sessions.retrieve(session.id)
