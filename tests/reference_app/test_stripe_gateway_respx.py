"""Every call the app makes to Stripe, checked on the wire: the official SDK through its httpx
client (``make_client``), with respx standing in for Stripe's HTTP API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import httpx
import psycopg
import pytest
import respx
import stripe

from reference_app.db import open_pool
from reference_app.defects import Defects
from reference_app.runtime import Runtime
from reference_app.settings import AppSettings
from reference_app.stripe_gateway import HANDLED_EVENTS, StripeGateway, make_client
from reference_app.topup_flow import start_topup

API = "https://api.stripe.test"
ORG = "ad9306a9-4d8a-4685-a667-cbeb7eb01a07"


def settings(**overrides: Any) -> AppSettings:
    values: dict[str, Any] = {
        "database_url": "postgresql://unused",
        "stripe_secret_key": "sk_test_respx",
        "session_secret": "s",
        "stripe_api_base": API,
        "public_base_url": "https://wallet.example",
        "stripe_timeout_seconds": 3.5,
        "stripe_max_network_retries": 1,
        **overrides,
    }
    return AppSettings(**values)


@pytest.fixture
def stripe_api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=API, assert_all_called=False) as router:
        yield router


@pytest.fixture
def gateway() -> StripeGateway:
    return StripeGateway(make_client(settings()))


def form(request: httpx.Request) -> dict[str, str]:
    """A form-encoded body or query string as flat bracketed keys, e.g. ``metadata[org_id]``."""
    raw = request.content.decode() if request.method == "POST" else request.url.query.decode()
    return dict(parse_qsl(raw, keep_blank_values=True))


def session_json(**fields: Any) -> dict[str, Any]:
    return {
        "id": "cs_test_1",
        "object": "checkout.session",
        "url": "https://checkout.stripe.test/c/pay/cs_test_1",
        "status": "complete",
        "payment_status": "paid",
        "amount_total": 5000,
        "amount_subtotal": 5000,
        "currency": "gbp",
        "client_reference_id": ORG,
        "metadata": {"org_id": ORG, "purpose": "wallet_topup"},
        "payment_intent": "pi_1",
        **fields,
    }


# -- the client itself -------------------------------------------------------------------------


def test_the_client_uses_httpx_with_the_configured_timeout(
    stripe_api: respx.MockRouter, gateway: StripeGateway
) -> None:
    route = stripe_api.get("/v1/checkout/sessions/cs_test_1").respond(json=session_json())
    gateway.retrieve_checkout_session("cs_test_1")
    request = route.calls.last.request
    assert request.extensions["timeout"] == {
        "connect": 3.5,
        "read": 3.5,
        "write": 3.5,
        "pool": 3.5,
    }
    assert request.headers["authorization"] == "Bearer sk_test_respx"
    assert isinstance(gateway.client._requestor._client, stripe.HTTPXClient)


@pytest.mark.parametrize("retries", [0, 1, 2])
def test_a_stripe_500_is_retried_exactly_the_configured_times_then_raised(
    stripe_api: respx.MockRouter, retries: int
) -> None:
    gateway = StripeGateway(make_client(settings(stripe_max_network_retries=retries)))
    route = stripe_api.get("/v1/checkout/sessions/cs_test_1").respond(
        500, json={"error": {"type": "api_error", "message": "boom"}}
    )
    with pytest.raises(stripe.APIError, match="boom"):
        gateway.retrieve_checkout_session("cs_test_1")
    assert route.call_count == 1 + retries


def test_a_500_that_says_do_not_retry_is_raised_at_once(stripe_api: respx.MockRouter) -> None:
    gateway = StripeGateway(make_client(settings(stripe_max_network_retries=2)))
    route = stripe_api.get("/v1/checkout/sessions/cs_test_1").respond(
        500,
        json={"error": {"type": "api_error", "message": "boom"}},
        headers={"Stripe-Should-Retry": "false"},
    )
    with pytest.raises(stripe.APIError):
        gateway.retrieve_checkout_session("cs_test_1")
    assert route.call_count == 1


def test_a_client_error_is_not_retried(stripe_api: respx.MockRouter) -> None:
    gateway = StripeGateway(make_client(settings(stripe_max_network_retries=2)))
    route = stripe_api.get("/v1/checkout/sessions/cs_missing").respond(
        404,
        json={"error": {"type": "invalid_request_error", "message": "No such checkout.session"}},
    )
    with pytest.raises(stripe.InvalidRequestError, match="No such"):
        gateway.retrieve_checkout_session("cs_missing")
    assert route.call_count == 1


# -- checkout sessions -------------------------------------------------------------------------


def test_create_checkout_session_sends_the_org_amount_urls_and_idempotency_key(
    stripe_api: respx.MockRouter, gateway: StripeGateway
) -> None:
    route = stripe_api.post("/v1/checkout/sessions").respond(json=session_json(status="open"))
    session_id, url = gateway.create_checkout_session(
        org_id=ORG,
        amount_pence=5000,
        success_url="https://wallet.example/dashboard/wallet?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="https://wallet.example/dashboard/wallet?cancelled=1",
        customer_email="test@demo.com",
        idempotency_key="topup-key-1",
    )
    assert (session_id, url) == ("cs_test_1", "https://checkout.stripe.test/c/pay/cs_test_1")
    request = route.calls.last.request
    assert request.headers["idempotency-key"] == "topup-key-1"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    sent = form(request)
    assert sent["mode"] == "payment"
    assert sent["client_reference_id"] == ORG
    assert sent["metadata[org_id]"] == ORG
    assert sent["line_items[0][price_data][unit_amount]"] == "5000"
    assert sent["line_items[0][price_data][currency]"] == "gbp"
    assert sent["line_items[0][quantity]"] == "1"
    assert sent["success_url"].endswith("?session_id={CHECKOUT_SESSION_ID}")
    assert sent["cancel_url"] == "https://wallet.example/dashboard/wallet?cancelled=1"
    assert sent["customer_email"] == "test@demo.com"
    assert {sent["payment_method_types[0]"], sent["payment_method_types[1]"]} == {
        "card",
        "bacs_debit",
    }


def test_a_session_without_a_url_is_an_error(
    stripe_api: respx.MockRouter, gateway: StripeGateway
) -> None:
    stripe_api.post("/v1/checkout/sessions").respond(json=session_json(url=None))
    with pytest.raises(RuntimeError, match="without a url"):
        gateway.create_checkout_session(
            org_id=ORG,
            amount_pence=500,
            success_url="https://x/{CHECKOUT_SESSION_ID}",
            cancel_url="https://x/c",
            customer_email=None,
            idempotency_key="k",
        )


def test_start_topup_asks_for_the_landing_url_with_the_session_placeholder(
    stripe_api: respx.MockRouter, wallet_ledger_db_url: str
) -> None:
    route = stripe_api.post("/v1/checkout/sessions").respond(json=session_json(status="open"))
    app_settings = settings(database_url=wallet_ledger_db_url)
    pool = open_pool(wallet_ledger_db_url, min_size=1, max_size=2)
    try:
        runtime = Runtime(app_settings, pool, StripeGateway(make_client(app_settings)), Defects())
        started = start_topup(runtime, ORG, 2500, None)
        started_again = start_topup(runtime, ORG, 2500, None)
    finally:
        pool.close()
    assert started.session_id == "cs_test_1"
    first, second = (form(call.request) for call in route.calls)
    assert first["success_url"] == (
        "https://wallet.example/dashboard/wallet?session_id={CHECKOUT_SESSION_ID}"
    )
    assert "customer_email" not in first
    assert second["success_url"] == first["success_url"]
    keys = [call.request.headers["idempotency-key"] for call in route.calls]
    assert keys[0].startswith("topup-")
    assert keys[0] != keys[1]  # two clicks are two top-ups; a retry of one reuses its key
    assert started_again.amount_pence == 2500
    with psycopg.connect(wallet_ledger_db_url) as conn:
        row = conn.execute("select org_id::text, amount_pence, status from topups").fetchone()
    assert row == (ORG, 2500, "created")


def test_retrieve_expands_the_payment_intent_and_reads_its_metadata(
    stripe_api: respx.MockRouter, gateway: StripeGateway
) -> None:
    intent = {"id": "pi_1", "object": "payment_intent", "metadata": {"org_id": "from-intent"}}
    route = stripe_api.get("/v1/checkout/sessions/cs_test_1").respond(
        json=session_json(payment_intent=intent)
    )
    view = gateway.retrieve_checkout_session("cs_test_1")
    assert form(route.calls.last.request) == {"expand[0]": "payment_intent"}
    assert (view.id, view.payment_status, view.amount_total, view.client_reference_id) == (
        "cs_test_1",
        "paid",
        5000,
        ORG,
    )
    assert view.payment_intent_id == "pi_1"
    assert view.payment_intent_metadata == {"org_id": "from-intent"}
    assert view.metadata == {"org_id": ORG, "purpose": "wallet_topup"}


def test_retrieve_copes_with_no_payment_intent_yet(
    stripe_api: respx.MockRouter, gateway: StripeGateway
) -> None:
    stripe_api.get("/v1/checkout/sessions/cs_test_1").respond(
        json=session_json(payment_intent=None, status="open", payment_status="unpaid")
    )
    view = gateway.retrieve_checkout_session("cs_test_1")
    assert (view.payment_intent_id, view.payment_intent_metadata) == (None, {})


def test_a_session_id_is_quoted_into_the_path_never_read_as_one(
    stripe_api: respx.MockRouter, gateway: StripeGateway
) -> None:
    """The landing page's id comes from a URL: ``../`` in it must not reach another resource."""
    elsewhere = stripe_api.get(url__regex=r".*/v1/customers.*").respond(json={"id": "cus_1"})
    quoted = stripe_api.get("/v1/checkout/sessions/cs_1%2F..%2F..%2Fcustomers").respond(
        404, json={"error": {"type": "invalid_request_error", "message": "No such"}}
    )
    with pytest.raises(stripe.InvalidRequestError):
        gateway.retrieve_checkout_session("cs_1/../../customers")
    assert (quoted.call_count, elsewhere.call_count) == (1, 0)


# -- events ------------------------------------------------------------------------------------


def event_json(number: int) -> dict[str, Any]:
    return {
        "id": f"evt_{number}",
        "object": "event",
        "type": "checkout.session.completed",
        "created": 1_700_000_000 + number,
        "data": {"object": {"id": f"cs_{number}", "object": "checkout.session"}},
    }


def test_checkout_event_pages_page_with_starting_after_newest_first(
    stripe_api: respx.MockRouter, gateway: StripeGateway
) -> None:
    pages = [
        {"object": "list", "data": [event_json(3), event_json(2)], "has_more": True},
        {"object": "list", "data": [event_json(1)], "has_more": False},
    ]
    route = stripe_api.get("/v1/events").mock(
        side_effect=[httpx.Response(200, json=page) for page in pages]
    )
    found = list(gateway.checkout_event_pages(1_700_000_000))
    assert found == [
        [
            ("evt_3", "checkout.session.completed", "cs_3"),
            ("evt_2", "checkout.session.completed", "cs_2"),
        ],
        [("evt_1", "checkout.session.completed", "cs_1")],
    ]
    first, second = (form(call.request) for call in route.calls)
    assert first["created[gte]"] == "1700000000"
    assert first["limit"] == "100"
    assert [first[f"types[{i}]"] for i in range(len(HANDLED_EVENTS))] == list(HANDLED_EVENTS)
    assert "starting_after" not in first
    assert second["starting_after"] == "evt_2"


# -- webhook endpoints -------------------------------------------------------------------------

URL = "https://wallet.example/api/webhooks/stripe"


def endpoint_json(url: str, events: list[str], **fields: Any) -> dict[str, Any]:
    return {
        "id": "we_1",
        "object": "webhook_endpoint",
        "url": url,
        "enabled_events": events,
        "status": "enabled",
        **fields,
    }


def listing(*endpoints: dict[str, Any]) -> dict[str, Any]:
    return {"object": "list", "data": list(endpoints), "has_more": False}


def test_ensure_webhook_endpoint_creates_one_and_returns_its_secret(
    stripe_api: respx.MockRouter, gateway: StripeGateway
) -> None:
    listed = stripe_api.get("/v1/webhook_endpoints").respond(
        json=listing(endpoint_json("https://elsewhere.example/hook", ["*"]))
    )
    created = stripe_api.post("/v1/webhook_endpoints").respond(
        json=endpoint_json(URL, list(HANDLED_EVENTS), secret="whsec_new")
    )
    assert gateway.ensure_webhook_endpoint(URL, HANDLED_EVENTS) == ("we_1", "whsec_new")
    assert form(listed.calls.last.request) == {"limit": "100"}
    sent = form(created.calls.last.request)
    assert sent["url"] == URL
    assert [sent[f"enabled_events[{i}]"] for i in range(len(HANDLED_EVENTS))] == list(
        HANDLED_EVENTS
    )
    assert "idempotency-key" in created.calls.last.request.headers  # the SDK adds one


def test_ensure_webhook_endpoint_reuses_a_subscribed_one_without_writing(
    stripe_api: respx.MockRouter, gateway: StripeGateway
) -> None:
    stripe_api.get("/v1/webhook_endpoints").respond(
        json=listing(endpoint_json(URL, list(HANDLED_EVENTS)))
    )
    writes = stripe_api.post(url__regex=r"/v1/webhook_endpoints.*").respond(500)
    assert gateway.ensure_webhook_endpoint(URL, HANDLED_EVENTS) == ("we_1", None)
    assert writes.call_count == 0


def test_ensure_webhook_endpoint_adds_the_missing_events_to_a_reused_one(
    stripe_api: respx.MockRouter, gateway: StripeGateway
) -> None:
    stripe_api.get("/v1/webhook_endpoints").respond(
        json=listing(endpoint_json(URL, ["checkout.session.expired", "charge.refunded"]))
    )
    updated = stripe_api.post("/v1/webhook_endpoints/we_1").respond(json=endpoint_json(URL, ["*"]))
    assert gateway.ensure_webhook_endpoint(URL, HANDLED_EVENTS) == ("we_1", None)
    sent = form(updated.calls.last.request)
    events = [value for key, value in sent.items() if key.startswith("enabled_events[")]
    assert events == sorted({*HANDLED_EVENTS, "charge.refunded"})


def test_a_wildcard_endpoint_is_reused_as_it_is(
    stripe_api: respx.MockRouter, gateway: StripeGateway
) -> None:
    stripe_api.get("/v1/webhook_endpoints").respond(json=listing(endpoint_json(URL, ["*"])))
    writes = stripe_api.post(url__regex=r"/v1/webhook_endpoints.*").respond(500)
    assert gateway.ensure_webhook_endpoint(URL, HANDLED_EVENTS) == ("we_1", None)
    assert writes.call_count == 0


def test_the_body_of_a_stripe_error_reaches_the_exception(
    stripe_api: respx.MockRouter, gateway: StripeGateway
) -> None:
    error = {"error": {"type": "invalid_request_error", "message": "Invalid amount", "param": "x"}}
    stripe_api.post("/v1/checkout/sessions").respond(400, content=json.dumps(error).encode())
    with pytest.raises(stripe.InvalidRequestError) as raised:
        gateway.create_checkout_session(
            org_id=ORG,
            amount_pence=1,
            success_url="https://x/{CHECKOUT_SESSION_ID}",
            cancel_url="https://x/c",
            customer_email=None,
            idempotency_key="k",
        )
    assert raised.value.param == "x"
