"""Errors, authentication and idempotency as the official SDK sees them: the right exception
class, the param named, ``Stripe-Should-Retry: false`` so the SDK's own retries never hide an
error, and ``Idempotency-Key`` replays."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import stripe

from fake_stripe.resources import checkout
from fake_stripe.server import FakeStripeServer
from tests.fake_stripe.conftest import new_session

SESSION_PARAMS: dict[str, object] = {
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
    "success_url": "http://127.0.0.1:9/done?session_id={CHECKOUT_SESSION_ID}",
}


def _client(
    fake_server: FakeStripeServer, key: str = "sk_test_fake_123", retries: int = 0
) -> stripe.StripeClient:
    return stripe.StripeClient(
        key,
        base_addresses={"api": fake_server.base_url},
        http_client=stripe.HTTPXClient(allow_sync_methods=True),
        max_network_retries=retries,
    )


def _requests_to(caplog: pytest.LogCaptureFixture, method: str, path: str) -> int:
    """How many requests the fake logged for ``method path`` (it runs in this process)."""
    return sum(
        1
        for record in caplog.records
        if record.name == "fake_stripe.api" and record.getMessage().startswith(f"{method} {path} ")
    )


@pytest.fixture
def api_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.INFO, logger="fake_stripe.api"):
        yield caplog


# -- authentication --------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["sk_live_123456789", "pk_test_123456789", "whsec_123456789"])
def test_a_key_that_is_not_a_test_secret_key_is_a_401(
    fake_server: FakeStripeServer, key: str
) -> None:
    with pytest.raises(stripe.AuthenticationError) as refused:
        _client(fake_server, key).v1.checkout.sessions.list()

    assert refused.value.http_status == 401
    assert "Invalid API Key provided" in str(refused.value.user_message)
    assert key not in str(refused.value.user_message)  # only a masked form is echoed


def test_a_restricted_test_key_is_accepted(fake_server: FakeStripeServer, control: object) -> None:
    assert _client(fake_server, "rk_test_123").v1.checkout.sessions.list().data == []


# -- errors become the right exception, naming the param -------------------------------------


def test_errors_map_to_the_sdks_exception_classes(stripe_client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        stripe_client.v1.payment_intents.retrieve("pi_missing")
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        stripe_client.v1.products.create(params={"name": "X", "colour": "red"})  # type: ignore[typeddict-unknown-key]
    with pytest.raises(stripe.InvalidRequestError) as wrong_type:
        stripe_client.v1.products.list(params={"limit": "many"})  # type: ignore[arg-type]
    with pytest.raises(stripe.InvalidRequestError) as out_of_range:
        stripe_client.v1.products.list(params={"limit": 101})

    assert (missing.value.http_status, missing.value.code, missing.value.param) == (
        404,
        "resource_missing",
        "intent",
    )
    assert (unknown.value.http_status, unknown.value.code, unknown.value.param) == (
        400,
        "parameter_unknown",
        "colour",
    )
    assert (wrong_type.value.code, wrong_type.value.param) == ("parameter_invalid_integer", "limit")
    assert out_of_range.value.param == "limit"
    assert missing.value.error is not None
    assert missing.value.error.type == "invalid_request_error"
    assert missing.value.error.doc_url == "https://stripe.com/docs/error-codes/resource-missing"
    assert missing.value.request_id is not None
    assert missing.value.request_id.startswith("req_")


# -- no error is retried behind the test's back ----------------------------------------------


def test_a_bug_in_the_fake_is_a_500_the_sdk_does_not_retry(
    fake_server: FakeStripeServer,
    control: object,
    api_log: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in the fake")

    monkeypatch.setattr(checkout, "get_session", broken)
    client = _client(fake_server, retries=2)

    with pytest.raises(stripe.APIError) as failed:
        client.v1.checkout.sessions.retrieve("cs_test_anything")
    monkeypatch.undo()
    still_serving = client.v1.checkout.sessions.list()

    assert failed.value.http_status == 500
    assert failed.value.headers is not None
    assert failed.value.headers["stripe-should-retry"] == "false"
    assert _requests_to(api_log, "GET", "/v1/checkout/sessions/cs_test_anything") == 1
    assert still_serving.data == []
    assert any("internal error" in r.getMessage() for r in api_log.records)


def test_client_errors_are_answered_once_with_retries_on(
    fake_server: FakeStripeServer, control: object, api_log: pytest.LogCaptureFixture
) -> None:
    client = _client(fake_server, retries=2)

    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.retrieve("cs_test_missing")
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create(params={"mode": "payment"})
    with pytest.raises(stripe.AuthenticationError):
        _client(fake_server, "sk_live_x", retries=2).v1.checkout.sessions.list()

    assert _requests_to(api_log, "GET", "/v1/checkout/sessions/cs_test_missing") == 1
    assert _requests_to(api_log, "POST", "/v1/checkout/sessions") == 1
    assert _requests_to(api_log, "GET", "/v1/checkout/sessions") == 1


def test_the_module_level_style_works_with_the_default_http_client_and_retries(
    fake_server: FakeStripeServer,
    control: object,
    api_log: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stripe, "api_key", "sk_test_module_style")
    monkeypatch.setattr(stripe, "api_base", fake_server.base_url)
    monkeypatch.setattr(stripe, "default_http_client", None)  # the SDK's own choice, fresh

    created = stripe.checkout.Session.create(**SESSION_PARAMS)  # type: ignore[arg-type]
    found = stripe.checkout.Session.retrieve(created.id, expand=["line_items"])
    with pytest.raises(stripe.InvalidRequestError) as missing:
        stripe.checkout.Session.retrieve("cs_test_missing")
    listed = stripe.checkout.Session.list(limit=1)

    assert stripe.max_network_retries == 2
    assert created.last_response is not None
    assert created.last_response.idempotency_key is not None  # the SDK added one
    assert found.line_items is not None
    assert found.line_items.data[0].amount_total == 5000
    assert [s.id for s in listed.data] == [created.id]
    assert missing.value.http_status == 404
    assert _requests_to(api_log, "GET", "/v1/checkout/sessions/cs_test_missing") == 1


# -- idempotency -----------------------------------------------------------------------------


def test_the_same_key_and_parameters_replay_the_first_response(
    stripe_client: stripe.StripeClient,
) -> None:
    options: stripe.RequestOptions = {"idempotency_key": "topup-1"}

    first = stripe_client.v1.checkout.sessions.create(params=SESSION_PARAMS, options=options)  # type: ignore[arg-type]
    second = stripe_client.v1.checkout.sessions.create(params=SESSION_PARAMS, options=options)  # type: ignore[arg-type]

    assert first.last_response is not None
    assert second.last_response is not None
    assert second.id == first.id
    assert second.to_dict() == first.to_dict()
    assert second.last_response.headers["idempotent-replayed"] == "true"
    assert second.last_response.headers["original-request"] == first.last_response.request_id
    assert "idempotent-replayed" not in first.last_response.headers
    assert len(stripe_client.v1.checkout.sessions.list().data) == 1


def test_the_same_key_with_other_parameters_is_an_idempotency_error(
    stripe_client: stripe.StripeClient,
) -> None:
    options: stripe.RequestOptions = {"idempotency_key": "topup-2"}
    stripe_client.v1.checkout.sessions.create(params=SESSION_PARAMS, options=options)  # type: ignore[arg-type]

    with pytest.raises(stripe.IdempotencyError) as refused:
        stripe_client.v1.checkout.sessions.create(
            params={**SESSION_PARAMS, "client_reference_id": "other"},  # type: ignore[arg-type]
            options=options,
        )
    with pytest.raises(stripe.IdempotencyError):
        stripe_client.v1.products.create(params={"name": "X"}, options=options)

    assert refused.value.http_status == 400
    assert refused.value.error is not None
    assert refused.value.error.type == "idempotency_error"
    assert len(stripe_client.v1.checkout.sessions.list().data) == 1


def test_a_request_refused_by_validation_saves_nothing_under_its_key(
    stripe_client: stripe.StripeClient,
) -> None:
    options: stripe.RequestOptions = {"idempotency_key": "topup-3"}
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.checkout.sessions.create(params={"mode": "payment"}, options=options)

    fixed = stripe_client.v1.checkout.sessions.create(params=SESSION_PARAMS, options=options)  # type: ignore[arg-type]

    assert fixed.id.startswith("cs_test_")


def test_a_replay_answers_as_the_first_time_whatever_happened_since(
    stripe_client: stripe.StripeClient,
) -> None:
    session = new_session(stripe_client)
    options: stripe.RequestOptions = {"idempotency_key": "expire-1"}
    first = stripe_client.v1.checkout.sessions.expire(session.id, options=options)

    replay = stripe_client.v1.checkout.sessions.expire(session.id, options=options)
    with pytest.raises(stripe.InvalidRequestError) as fresh:
        stripe_client.v1.checkout.sessions.expire(session.id)
    events = stripe_client.v1.events.list(params={"type": "checkout.session.expired"}).data

    assert replay.to_dict() == first.to_dict()
    assert fresh.value.code == "checkout_session_not_open"
    assert len(events) == 1  # the replay changed nothing


def test_a_saved_error_replays_with_stripe_should_retry_false(
    stripe_client: stripe.StripeClient,
) -> None:
    session = new_session(stripe_client)
    stripe_client.v1.checkout.sessions.expire(session.id)
    options: stripe.RequestOptions = {"idempotency_key": "expire-2"}

    with pytest.raises(stripe.InvalidRequestError) as first:
        stripe_client.v1.checkout.sessions.expire(session.id, options=options)
    with pytest.raises(stripe.InvalidRequestError) as replay:
        stripe_client.v1.checkout.sessions.expire(session.id, options=options)

    assert replay.value.headers is not None
    assert replay.value.headers["idempotent-replayed"] == "true"
    assert replay.value.headers["stripe-should-retry"] == "false"
    assert replay.value.json_body == first.value.json_body


def test_an_overlong_idempotency_key_is_refused(stripe_client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_client.v1.products.create(
            params={"name": "X"}, options={"idempotency_key": "k" * 256}
        )

    assert "Idempotency-Key" in str(refused.value.user_message)
    assert stripe_client.v1.products.list().data == []
