"""Checkout Sessions through the official SDK: create, retrieve (with expand), list, line
items, expire; and where apps go wrong: metadata stays on the session."""

from __future__ import annotations

import pytest
import stripe

from fake_stripe.client import FakeStripeControl
from fake_stripe.server import FakeStripeServer
from tests.fake_stripe.conftest import new_session

SUCCESS_URL = "http://127.0.0.1:9/dashboard/wallet?session_id={CHECKOUT_SESSION_ID}"


def _item(amount: int, name: str = "Wallet top-up", quantity: int = 1) -> dict[str, object]:
    return {
        "price_data": {"currency": "gbp", "unit_amount": amount, "product_data": {"name": name}},
        "quantity": quantity,
    }


def _create(client: stripe.StripeClient, **params: object) -> stripe.checkout.Session:
    defaults: dict[str, object] = {
        "mode": "payment",
        "line_items": [_item(5000)],
        "success_url": SUCCESS_URL,
    }
    return client.v1.checkout.sessions.create(params={**defaults, **params})  # type: ignore[arg-type]


def _refused(call: object) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        call()  # type: ignore[operator]
    return refused.value


# -- create ----------------------------------------------------------------------------------


def test_a_session_is_created_as_stripe_describes_it(
    stripe_client: stripe.StripeClient, fake_server: FakeStripeServer
) -> None:
    session = new_session(
        stripe_client,
        customer_email="payer@example.com",
        metadata={"org_id": "org_42", "plan": "topup"},
        payment_method_types=["card", "bacs_debit"],
    )

    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert (session.status, session.payment_status, session.mode) == ("open", "unpaid", "payment")
    assert (session.amount_total, session.amount_subtotal, session.currency) == (5000, 5000, "gbp")
    assert session.client_reference_id == "ad9306a9-4d8a-4685-a667-cbeb7eb01a07"
    assert session.customer_email == "payer@example.com"
    assert session.metadata is not None
    assert session.metadata.to_dict() == {"org_id": "org_42", "plan": "topup"}
    assert session.success_url == SUCCESS_URL  # the template stays literal on the object
    assert session.cancel_url == "http://127.0.0.1:9/dashboard/wallet?cancelled=1"
    assert session.url == f"{fake_server.base_url}/c/pay/{session.id}"
    assert session.payment_method_types == ["card", "bacs_debit"]
    assert session.payment_intent is None  # none until the session is paid
    assert session.expires_at == session.created + 24 * 3600
    assert session.livemode is False
    assert "line_items" not in session.to_dict()  # includable: only when expanded


def test_a_session_can_use_a_price_id_and_a_quantity(stripe_client: stripe.StripeClient) -> None:
    price = stripe_client.v1.prices.create(
        params={"currency": "gbp", "unit_amount": 1250, "product_data": {"name": "Credits"}}
    )

    session = _create(stripe_client, line_items=[{"price": price.id, "quantity": 3}])
    [item] = stripe_client.v1.checkout.sessions.line_items.list(session.id).data

    assert session.amount_total == 3750
    assert (item.price.id if item.price else None, item.quantity) == (price.id, 3)
    assert (item.description, item.amount_total) == ("Credits", 3750)


def test_expires_at_is_taken_between_thirty_minutes_and_a_day(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    now = control.clock().timestamp

    session = _create(stripe_client, expires_at=now + 3600)
    too_soon = _refused(lambda: _create(stripe_client, expires_at=now + 60))
    too_late = _refused(lambda: _create(stripe_client, expires_at=now + 25 * 3600))

    assert session.expires_at == now + 3600
    assert too_soon.param == too_late.param == "expires_at"


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"line_items": None}, "line_items"),
        ({"mode": "subscription"}, "mode"),
        ({"success_url": "not a url"}, "success_url"),
        ({"customer_email": "nobody"}, "customer_email"),
        ({"payment_method_types": ["card", "cheque"]}, "payment_method_types[1]"),
        ({"client_reference_id": "x" * 201}, "client_reference_id"),
        ({"metadata": {"k" * 41: "v"}}, f"metadata[{'k' * 41}]"),
        ({"surprise": "1"}, "surprise"),
        ({"line_items": [{**_item(5000), "colour": "red"}]}, "line_items[0][colour]"),
        ({"line_items": [{"quantity": 1}]}, "line_items[0][price]"),
        ({"line_items": [{**_item(5000), "price": "price_x"}]}, "line_items[0][price]"),
        ({"line_items": [{**_item(5000), "quantity": 0}]}, "line_items[0][quantity]"),
        ({"line_items": [{**_item(5000), "quantity": "two"}]}, "line_items[0][quantity]"),
        ({"line_items": [_item(-5)]}, "line_items[0][price_data][unit_amount]"),
        ({"line_items": [_item(100_000_000)]}, "line_items[0][price_data][unit_amount]"),
        ({"line_items": [_item(10)]}, "line_items"),  # under the 30p minimum charge
        ({"line_items": [_item(60_000_000, quantity=2)]}, "line_items"),  # over the maximum
        (
            {"line_items": [{**_item(5000), "price_data": {"currency": "xyz", "unit_amount": 1}}]},
            "line_items[0][price_data][currency]",
        ),
        (
            {"line_items": [{"price_data": {"currency": "gbp", "unit_amount": 5000}}]},
            "line_items[0][quantity]",
        ),
        (
            {
                "line_items": [
                    {"price_data": {"currency": "gbp", "unit_amount": 5000}, "quantity": 1}
                ]
            },
            "line_items[0][price_data][product_data]",
        ),
        ({"payment_intent_data": {"colour": "red"}}, "payment_intent_data[colour]"),
    ],
)
def test_a_bad_create_is_a_400_naming_the_param_and_stores_nothing(
    stripe_client: stripe.StripeClient, params: dict[str, object], param: str
) -> None:
    sent = {key: value for key, value in params.items() if value is not None}
    if params.get("line_items", 0) is None:
        sent["line_items"] = ""  # the SDK drops None; an empty value unsets a required param

    error = _refused(lambda: _create(stripe_client, **sent))

    assert error.http_status == 400
    assert error.param == param
    assert stripe_client.v1.checkout.sessions.list().data == []
    assert stripe_client.v1.products.list().data == []  # no half-made product either


def test_a_missing_price_is_a_400_resource_missing(stripe_client: stripe.StripeClient) -> None:
    error = _refused(
        lambda: _create(stripe_client, line_items=[{"price": "price_nope", "quantity": 1}])
    )

    assert (error.http_status, error.code) == (400, "resource_missing")
    assert error.param == "line_items[0][price]"


def test_an_inactive_price_cannot_be_sold(stripe_client: stripe.StripeClient) -> None:
    price = stripe_client.v1.prices.create(
        params={
            "currency": "gbp",
            "unit_amount": 500,
            "active": False,
            "product_data": {"name": "Old"},
        }
    )

    error = _refused(
        lambda: _create(stripe_client, line_items=[{"price": price.id, "quantity": 1}])
    )

    assert error.param == "line_items[0][price]"
    assert "inactive" in str(error.user_message)


# -- retrieve and expand ---------------------------------------------------------------------


def test_retrieve_expands_line_items_and_the_payment_intent(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    session = _create(stripe_client, line_items=[_item(3000, "A"), _item(2000, "B", quantity=2)])
    unpaid = stripe_client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["line_items", "payment_intent"]}
    )
    control.pay(session.id)

    paid = stripe_client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["line_items", "payment_intent.latest_charge"]}
    )

    assert unpaid.payment_intent is None
    assert unpaid.line_items is not None
    assert [(i.description, i.quantity, i.amount_total) for i in unpaid.line_items.data] == [
        ("A", 1, 3000),
        ("B", 2, 4000),
    ]
    assert unpaid.line_items.url == f"/v1/checkout/sessions/{session.id}/line_items"
    assert isinstance(paid.payment_intent, stripe.PaymentIntent)
    assert (paid.payment_intent.status, paid.payment_intent.amount) == ("succeeded", 7000)
    assert isinstance(paid.payment_intent.latest_charge, stripe.Charge)
    assert paid.payment_intent.latest_charge.amount_captured == 7000


def test_expand_reaches_the_product_behind_a_line_item(stripe_client: stripe.StripeClient) -> None:
    session = _create(stripe_client)

    found = stripe_client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["line_items.data.price.product"]}
    )

    assert found.line_items is not None
    product = found.line_items.data[0].price.product  # type: ignore[union-attr]
    assert isinstance(product, stripe.Product)
    assert product.name == "Wallet top-up"


@pytest.mark.parametrize(
    ("expand", "param"),
    [(["colour"], "expand[0]"), (["line_items", "url"], "expand[1]"), (["a.b.c.d.e"], "expand[0]")],
)
def test_expanding_what_cannot_be_expanded_is_a_400(
    stripe_client: stripe.StripeClient, expand: list[str], param: str
) -> None:
    session = _create(stripe_client)

    error = _refused(
        lambda: stripe_client.v1.checkout.sessions.retrieve(session.id, params={"expand": expand})
    )

    assert error.param == param


def test_a_missing_session_is_a_404(stripe_client: stripe.StripeClient) -> None:
    error = _refused(lambda: stripe_client.v1.checkout.sessions.retrieve("cs_test_missing"))

    assert (error.http_status, error.code, error.param) == (404, "resource_missing", "session")


# -- list ------------------------------------------------------------------------------------


def test_sessions_list_newest_first_and_page_with_cursors(
    stripe_client: stripe.StripeClient,
) -> None:
    created = [_create(stripe_client, line_items=[_item(1000 + n)]).id for n in range(12)]
    newest_first = list(reversed(created))

    first = stripe_client.v1.checkout.sessions.list(params={"limit": 5})
    after = stripe_client.v1.checkout.sessions.list(
        params={"limit": 5, "starting_after": first.data[-1].id}
    )
    before = stripe_client.v1.checkout.sessions.list(
        params={"limit": 2, "ending_before": after.data[0].id}
    )
    everything = [s.id for s in stripe_client.v1.checkout.sessions.list().auto_paging_iter()]
    default = stripe_client.v1.checkout.sessions.list()

    assert [s.id for s in first.data] == newest_first[:5]
    assert first.has_more is True
    assert [s.id for s in after.data] == newest_first[5:10]
    assert [s.id for s in before.data] == newest_first[3:5]
    assert before.has_more is True
    assert everything == newest_first
    assert (len(default.data), default.has_more, default.url) == (10, True, "/v1/checkout/sessions")


def test_sessions_list_filters_by_status_and_payment_intent(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    paid, expired, still_open = (_create(stripe_client) for _ in range(3))
    control.pay(paid.id)
    stripe_client.v1.checkout.sessions.expire(expired.id)
    intent = stripe_client.v1.checkout.sessions.retrieve(paid.id).payment_intent

    def ids(**params: object) -> list[str]:
        page = stripe_client.v1.checkout.sessions.list(params=params)  # type: ignore[arg-type]
        return [s.id for s in page.data]

    assert ids(status="complete") == [paid.id]
    assert ids(status="expired") == [expired.id]
    assert ids(status="open") == [still_open.id]
    assert ids(payment_intent=intent) == [paid.id]
    assert ids(customer_details={"email": "customer@example.com"}) == [paid.id]
    assert _refused(lambda: ids(status="paid")).param == "status"


def test_a_listed_session_expands_with_the_data_prefix(stripe_client: stripe.StripeClient) -> None:
    _create(stripe_client)

    page = stripe_client.v1.checkout.sessions.list(params={"expand": ["data.line_items"]})
    error = _refused(
        lambda: stripe_client.v1.checkout.sessions.list(params={"expand": ["line_items"]})
    )

    assert page.data[0].line_items is not None
    assert page.data[0].line_items.data[0].amount_total == 5000
    assert "data.line_items" in str(error.user_message)


def test_line_items_page_in_the_order_given(stripe_client: stripe.StripeClient) -> None:
    session = _create(stripe_client, line_items=[_item(1000, name) for name in "ABCD"])

    first = stripe_client.v1.checkout.sessions.line_items.list(session.id, params={"limit": 3})
    rest = stripe_client.v1.checkout.sessions.line_items.list(
        session.id, params={"limit": 3, "starting_after": first.data[-1].id}
    )
    walked = stripe_client.v1.checkout.sessions.line_items.list(
        session.id, params={"limit": 1}
    ).auto_paging_iter()

    assert [i.description for i in first.data] == ["A", "B", "C"]
    assert first.has_more is True
    assert [i.description for i in rest.data] == ["D"]
    assert rest.has_more is False
    assert [i.description for i in walked] == ["A", "B", "C", "D"]
    assert all(i.id.startswith("li_") and i.object == "item" for i in first.data)


# -- expire ----------------------------------------------------------------------------------


def test_expire_closes_an_open_session_and_emits_the_event(
    stripe_client: stripe.StripeClient,
) -> None:
    session = _create(stripe_client)

    expired = stripe_client.v1.checkout.sessions.expire(
        session.id, options={"idempotency_key": "expire-once"}
    )
    again = _refused(lambda: stripe_client.v1.checkout.sessions.expire(session.id))
    [event] = stripe_client.v1.events.list(params={"type": "checkout.session.expired"}).data

    assert (expired.status, expired.url) == ("expired", None)
    assert (again.code, again.param) == ("checkout_session_not_open", "session")
    assert event.data.object["id"] == session.id
    assert event.request is not None
    assert event.request.idempotency_key == "expire-once"
    assert expired.last_response is not None
    assert event.request.id == expired.last_response.request_id


def test_a_paid_session_cannot_be_expired(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    session = _create(stripe_client)
    control.pay(session.id)

    error = _refused(lambda: stripe_client.v1.checkout.sessions.expire(session.id))

    assert error.code == "checkout_session_not_open"
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).status == "complete"


def test_the_clock_expires_a_session_at_expires_at(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    # a minute over Stripe's least 30: the fake's clock keeps running in real time, and on a
    # loaded machine the creation can come a second after this read (then now + 1800 is refused)
    now = control.clock().timestamp
    session = _create(stripe_client, expires_at=now + 1860)

    control.advance(seconds=1760)
    before = stripe_client.v1.checkout.sessions.retrieve(session.id).status
    control.advance(seconds=200)
    after = stripe_client.v1.checkout.sessions.retrieve(session.id)

    assert before == "open"
    assert (after.status, after.url) == ("expired", None)


# -- paying, and what travels to the PaymentIntent -------------------------------------------


def test_session_metadata_stays_on_the_session(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    session = new_session(
        stripe_client,
        metadata={"org_id": "org_42"},
        payment_intent_data={"metadata": {"source": "wallet"}, "description": "Top-up"},
    )
    control.pay(session.id)

    paid = stripe_client.v1.checkout.sessions.retrieve(session.id)
    intent = stripe_client.v1.payment_intents.retrieve(str(paid.payment_intent))

    assert paid.metadata is not None
    assert paid.metadata.to_dict() == {"org_id": "org_42"}
    assert intent.metadata.to_dict() == {"source": "wallet"}  # never the session's metadata
    assert intent.description == "Top-up"
    assert paid.client_reference_id == "ad9306a9-4d8a-4685-a667-cbeb7eb01a07"


def test_a_delayed_method_completes_unpaid_and_is_paid_when_it_settles(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    session = new_session(stripe_client, payment_method_types=["card", "bacs_debit"])
    control.pay(session.id, method="bacs_debit", account_number="00012345")

    completed = stripe_client.v1.checkout.sessions.retrieve(session.id)
    control.advance(minutes=5)
    settled = stripe_client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent"]}
    )
    types = [e.type for e in stripe_client.v1.events.list(params={"type": "checkout.session.*"})]

    assert (completed.status, completed.payment_status) == ("complete", "unpaid")
    assert (settled.status, settled.payment_status) == ("complete", "paid")
    assert isinstance(settled.payment_intent, stripe.PaymentIntent)
    assert settled.payment_intent.status == "succeeded"
    assert types == ["checkout.session.async_payment_succeeded", "checkout.session.completed"]
