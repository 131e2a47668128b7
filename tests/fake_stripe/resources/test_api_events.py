"""Events through the official SDK: retrieve, and list with Stripe's filters and cursors, the
documented way to recover webhooks that never arrived."""

from __future__ import annotations

import pytest
import stripe

from fake_stripe.client import FakeStripeControl
from harness.ports import free_port
from tests.fake_stripe.conftest import new_session

PAYMENT_EVENTS = [  # newest first, as one card payment emits them
    "checkout.session.completed",
    "charge.succeeded",
    "payment_intent.succeeded",
    "payment_intent.created",
]


def _refused(call: object) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        call()  # type: ignore[operator]
    return refused.value


@pytest.fixture
def dead_url() -> str:
    """A loopback URL where nothing listens: every delivery to it fails to connect."""
    return f"http://127.0.0.1:{free_port()}/webhooks/stripe"


def _pay(client: stripe.StripeClient, control: FakeStripeControl, amount: int = 5000) -> str:
    session = new_session(client, amount)
    control.pay(session.id)
    return session.id


def test_an_event_is_retrieved_by_id(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    session_id = _pay(stripe_client, control)
    [listed] = stripe_client.v1.events.list(params={"type": "checkout.session.completed"}).data

    event = stripe_client.v1.events.retrieve(listed.id)
    missing = _refused(lambda: stripe_client.v1.events.retrieve("evt_missing"))

    assert event.id.startswith("evt_")
    assert (event.object, event.type, event.livemode) == (
        "event",
        "checkout.session.completed",
        False,
    )
    assert event.api_version == stripe.api_version
    assert event.data.object["id"] == session_id
    assert event.data.object["payment_status"] == "paid"
    assert event.request is not None
    assert (event.request.id, event.request.idempotency_key) == (None, None)  # not an API call
    assert event.to_dict() == listed.to_dict()
    assert (missing.http_status, missing.code) == (404, "resource_missing")


def test_events_list_newest_first_and_filter_by_type(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    _pay(stripe_client, control)

    def types(**params: object) -> list[str]:
        return [e.type for e in stripe_client.v1.events.list(params=params).data]  # type: ignore[arg-type]

    assert types() == PAYMENT_EVENTS
    assert types(type="charge.succeeded") == ["charge.succeeded"]
    assert types(type="payment_intent.*") == ["payment_intent.succeeded", "payment_intent.created"]
    assert types(types=["charge.succeeded", "checkout.session.completed"]) == PAYMENT_EVENTS[:2]
    assert types(type="invoice.paid") == []


def test_type_and_types_are_checked(stripe_client: stripe.StripeClient) -> None:
    both = _refused(lambda: stripe_client.v1.events.list(params={"type": "a.b", "types": ["c.d"]}))
    too_many = _refused(
        lambda: stripe_client.v1.events.list(params={"types": [f"t.{n}" for n in range(21)]})
    )

    assert both.param == too_many.param == "types"


def test_events_filter_by_created(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    first = _pay(stripe_client, control)
    control.advance(seconds=100)
    second = _pay(stripe_client, control)
    completed = stripe_client.v1.events.list(params={"type": "checkout.session.completed"}).data
    later, earlier = completed

    def sessions(created: object) -> list[str]:
        page = stripe_client.v1.events.list(
            params={"type": "checkout.session.completed", "created": created}  # type: ignore[arg-type]
        )
        return [e.data.object["id"] for e in page.data]

    assert later.created >= earlier.created + 100
    assert sessions({"gte": later.created}) == [second]
    assert sessions({"gt": earlier.created}) == [second]
    assert sessions({"lt": later.created}) == [first]
    assert sessions({"lte": earlier.created, "gte": earlier.created}) == [first]
    assert sessions(earlier.created) == [first]
    assert _refused(lambda: sessions({"after": 1})).param == "created[after]"


def test_events_page_with_cursors(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    for amount in (1000, 2000, 3000):
        _pay(stripe_client, control, amount)
    every = [e.id for e in stripe_client.v1.events.list(params={"limit": 100}).data]

    first = stripe_client.v1.events.list(params={"limit": 5})
    second = stripe_client.v1.events.list(params={"limit": 5, "starting_after": first.data[-1].id})
    newer = stripe_client.v1.events.list(params={"limit": 3, "ending_before": second.data[0].id})
    walked = [e.id for e in stripe_client.v1.events.list(params={"limit": 4}).auto_paging_iter()]

    assert len(every) == 12
    assert ([e.id for e in first.data], first.has_more) == (every[:5], True)
    assert [e.id for e in second.data] == every[5:10]
    assert ([e.id for e in newer.data], newer.has_more) == (every[2:5], True)
    assert walked == every


def test_a_cursor_left_out_by_the_filter_still_pages(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    """An app that remembers the last event it handled, whatever its type, and asks for the
    completed sessions after it (Stripe pages from the cursor's place in the whole list)."""
    older = _pay(stripe_client, control)
    _pay(stripe_client, control)
    newest_intent_created = stripe_client.v1.events.list().data[3]

    page = stripe_client.v1.events.list(
        params={"type": "checkout.session.completed", "starting_after": newest_intent_created.id}
    )
    missing = _refused(lambda: stripe_client.v1.events.list(params={"starting_after": "evt_x"}))

    assert newest_intent_created.type == "payment_intent.created"
    assert [e.data.object["id"] for e in page.data] == [older]
    assert (missing.http_status, missing.param) == (400, "starting_after")


def test_delivery_success_finds_the_events_an_endpoint_never_got(
    stripe_client: stripe.StripeClient, control: FakeStripeControl, dead_url: str
) -> None:
    stripe_client.v1.webhook_endpoints.create(
        params={"url": dead_url, "enabled_events": ["checkout.session.completed"]}
    )
    paid = [_pay(stripe_client, control, amount) for amount in (1000, 2000, 3000)]
    control.settle()

    recovered: list[str] = []
    params: dict[str, object] = {"delivery_success": False, "limit": 2}
    while True:  # the loop Stripe documents for catching up on missed webhooks
        page = stripe_client.v1.events.list(params=params)  # type: ignore[arg-type]
        recovered += [e.data.object["id"] for e in page.data]
        if not page.has_more:
            break
        params["starting_after"] = page.data[-1].id
    delivered = stripe_client.v1.events.list(params={"delivery_success": True, "limit": 100})
    failed = stripe_client.v1.events.list(params={"type": "checkout.session.completed"})

    assert recovered == list(reversed(paid))
    assert all(e.pending_webhooks == 1 for e in failed.data)
    assert len(delivered.data) == 9  # the other events had no endpoint waiting for them
    assert all(e.pending_webhooks == 0 for e in delivered.data)
    assert "checkout.session.completed" not in {e.type for e in delivered.data}


def test_events_older_than_thirty_days_are_not_listed(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    _pay(stripe_client, control)
    control.advance(days=29)
    still_listed = len(stripe_client.v1.events.list().data)

    control.advance(days=2)
    listed = stripe_client.v1.events.list(params={"type": "payment_intent.*"}).data

    assert still_listed == 4
    assert listed == []


def test_an_event_older_than_thirty_days_is_not_retrieved(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    _pay(stripe_client, control)
    [listed] = stripe_client.v1.events.list(params={"type": "checkout.session.completed"}).data
    control.advance(days=29, hours=23)
    kept = stripe_client.v1.events.retrieve(listed.id)

    control.advance(hours=2)
    gone = _refused(lambda: stripe_client.v1.events.retrieve(listed.id))

    assert kept.id == listed.id
    assert (gone.http_status, gone.code) == (404, "resource_missing")
