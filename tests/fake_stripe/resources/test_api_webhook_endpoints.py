"""Webhook Endpoints through the official SDK: create (the only answer with the secret),
retrieve, list, update, delete, and which events reach which endpoint."""

from __future__ import annotations

import pytest
import stripe

from fake_stripe.client import FakeStripeControl
from tests.fake_stripe.conftest import new_session
from tests.fake_stripe.receiver import Receiver

URL = "https://shop.example.com/webhooks/stripe"


def _refused(call: object) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        call()  # type: ignore[operator]
    return refused.value


def _create(client: stripe.StripeClient, **params: object) -> stripe.WebhookEndpoint:
    defaults: dict[str, object] = {"url": URL, "enabled_events": ["checkout.session.completed"]}
    return client.v1.webhook_endpoints.create(params={**defaults, **params})  # type: ignore[typeddict-item]


def test_create_returns_the_secret_and_only_create_does(
    stripe_client: stripe.StripeClient,
) -> None:
    created = _create(stripe_client, description="Shop", metadata={"env": "ci"})

    found = stripe_client.v1.webhook_endpoints.retrieve(created.id)
    [listed] = stripe_client.v1.webhook_endpoints.list().data

    assert created.id.startswith("we_")
    assert created.secret is not None
    assert created.secret.startswith("whsec_")
    assert (found.url, found.status, found.description) == (URL, "enabled", "Shop")
    assert found.enabled_events == ["checkout.session.completed"]
    assert found.metadata.to_dict() == {"env": "ci"}
    assert found.secret is None
    assert listed.secret is None
    assert listed.id == created.id


def test_update_changes_what_it_is_given(stripe_client: stripe.StripeClient) -> None:
    created = _create(stripe_client, description="Shop", metadata={"env": "ci", "team": "pay"})

    updated = stripe_client.v1.webhook_endpoints.update(
        created.id,
        params={
            "url": "https://new.example.com/hook",
            "enabled_events": ["*"],
            "disabled": True,
            "metadata": {"env": "", "region": "eu"},  # an empty value removes the key
        },
    )
    cleared = stripe_client.v1.webhook_endpoints.update(
        created.id, params={"description": "", "disabled": False, "metadata": ""}
    )

    assert (updated.url, updated.status, updated.description) == (
        "https://new.example.com/hook",
        "disabled",
        "Shop",
    )
    assert updated.enabled_events == ["*"]
    assert updated.metadata.to_dict() == {"team": "pay", "region": "eu"}
    assert (cleared.status, cleared.description) == ("enabled", None)
    assert cleared.metadata.to_dict() == {}
    assert updated.secret is None


def test_delete_answers_with_the_id_and_the_endpoint_is_gone(
    stripe_client: stripe.StripeClient,
) -> None:
    created = _create(stripe_client)

    deleted = stripe_client.v1.webhook_endpoints.delete(created.id)
    gone = _refused(lambda: stripe_client.v1.webhook_endpoints.retrieve(created.id))
    again = _refused(lambda: stripe_client.v1.webhook_endpoints.delete(created.id))

    assert deleted.to_dict() == {"id": created.id, "object": "webhook_endpoint", "deleted": True}
    assert (gone.http_status, gone.code) == (404, "resource_missing")
    assert again.http_status == 404
    assert stripe_client.v1.webhook_endpoints.list().data == []


def test_endpoints_list_newest_first_and_page(stripe_client: stripe.StripeClient) -> None:
    ids = [_create(stripe_client, description=str(n)).id for n in range(4)]

    first = stripe_client.v1.webhook_endpoints.list(params={"limit": 3})
    rest = stripe_client.v1.webhook_endpoints.list(
        params={"limit": 3, "starting_after": first.data[-1].id}
    )

    assert ([e.id for e in first.data], first.has_more) == (ids[::-1][:3], True)
    assert ([e.id for e in rest.data], rest.has_more) == ([ids[0]], False)


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"enabled_events": ["checkout.session.complete"]}, "enabled_events[0]"),
        ({"enabled_events": ["*", "made.up"]}, "enabled_events[1]"),
        ({"enabled_events": ""}, "enabled_events"),
        ({"url": "ftp://example.com/hook"}, "url"),
        ({"url": "https://"}, "url"),
        ({"url": "http://[::1/hook"}, "url"),
        ({"api_version": "yesterday"}, "api_version"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_endpoint_is_refused_naming_the_param(
    stripe_client: stripe.StripeClient, params: dict[str, object], param: str
) -> None:
    error = _refused(lambda: _create(stripe_client, **params))

    assert (error.http_status, error.param) == (400, param)
    assert stripe_client.v1.webhook_endpoints.list().data == []


def test_an_account_has_at_most_sixteen_endpoints(stripe_client: stripe.StripeClient) -> None:
    for _ in range(16):
        _create(stripe_client)

    error = _refused(lambda: _create(stripe_client))

    assert "16" in str(error.user_message)
    assert len(stripe_client.v1.webhook_endpoints.list(params={"limit": 100}).data) == 16


def test_updating_a_missing_endpoint_is_a_404(stripe_client: stripe.StripeClient) -> None:
    error = _refused(
        lambda: stripe_client.v1.webhook_endpoints.update("we_missing", params={"disabled": True})
    )

    assert (error.http_status, error.param) == (404, "webhook_endpoint")


def test_enabled_events_decide_which_events_reach_an_endpoint(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,  # "*", at the receiver
    receiver: Receiver,
) -> None:
    completed_only = _create(stripe_client, url=receiver.url)
    charges = _create(
        stripe_client, url=receiver.url, enabled_events=["charge.succeeded", "charge.failed"]
    )
    disabled = _create(stripe_client, url=receiver.url, enabled_events=["*"])
    stripe_client.v1.webhook_endpoints.update(disabled.id, params={"disabled": True})

    control.pay(new_session(stripe_client).id)
    control.settle()

    def sent_to(endpoint_id: str) -> set[str]:
        return {a.event_type for a in control.deliveries(endpoint_id=endpoint_id).attempts}

    assert sent_to(endpoint.id) == {
        "payment_intent.created",
        "payment_intent.succeeded",
        "charge.succeeded",
        "checkout.session.completed",
    }
    assert sent_to(completed_only.id) == {"checkout.session.completed"}
    assert sent_to(charges.id) == {"charge.succeeded"}
    assert sent_to(disabled.id) == set()
