"""Every object carries every field the official SDK's typed class lists (its annotations are
Stripe's API reference), no field it does not, each value of the annotated type, Stripe's id
prefixes, ``livemode: false`` and integer Unix timestamps. Nested objects are held against the
SDK's nested classes too, with the few documented exceptions listed in ``MAY_OMIT``."""

from __future__ import annotations

import decimal
import json
import typing
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import stripe
from stripe._list_object import ListObject
from stripe._stripe_object import StripeObject
from stripe.params import WebhookEndpointCreateParams

from fake_stripe.client import FakeStripeControl
from fake_stripe.objects.event_types import ENABLED_EVENTS
from fake_stripe.objects.events import API_VERSION
from fake_stripe.objects.expansion import EXPANDABLE
from tests.fake_stripe.conftest import new_session

EVERYTHING = "*"
# nested objects where Stripe itself leaves fields out; qualname -> fields it may leave out
MAY_OMIT: dict[str, str | set[str]] = {
    "Session.PaymentMethodOptions": EVERYTHING,  # one entry per configured method only
    "PaymentIntent.PaymentMethodOptions": EVERYTHING,
    "Charge.PaymentMethodDetails": EVERYTHING,  # `type` plus the entry for that type
    "Charge.FraudDetails": EVERYTHING,  # {} until someone reports the charge
    "Charge.Outcome": {"rule"},  # only when a Radar rule acted
    "Session.TotalDetails": {"breakdown"},  # includable: only when expanded
    "PaymentIntent.AmountDetails": EVERYTHING,  # {"tip": {}} unless amount details were sent
    "PaymentIntent.AmountDetails.Tip": EVERYTHING,
    "Event.Data": {"previous_attributes"},  # only on *.updated events
}
INCLUDABLE = {"Session": {"line_items"}, "Charge": {"refunds"}}  # only when expanded
PREFIXES = {
    "checkout.session": "cs_test_",
    "payment_intent": "pi_",
    "charge": "ch_",
    "event": "evt_",
    "webhook_endpoint": "we_",
    "product": "prod_",
    "price": "price_",
    "item": "li_",
}
CLASSES: dict[str, type[StripeObject]] = {
    "checkout.session": stripe.checkout.Session,
    "item": stripe.LineItem,
    "payment_intent": stripe.PaymentIntent,
    "charge": stripe.Charge,
    "event": stripe.Event,
    "webhook_endpoint": stripe.WebhookEndpoint,
    "product": stripe.Product,
    "price": stripe.Price,
}


def fields_of(cls: type) -> set[str]:
    return {name for name in cls.__annotations__ if name != "OBJECT_NAME" and name[0] != "_"}


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)

    def check(
        self, body: dict[str, Any], cls: type, where: str, expanded: set[str] | None = None
    ) -> None:
        """``body`` against ``cls``: keys, value types, then every nested object. ``expanded``:
        the includable fields asked for (None: unknown, either way is right)."""
        name = cls.__qualname__
        wanted = fields_of(cls) - {"deleted"}  # `deleted` is for deletion answers only
        omit = MAY_OMIT.get(name, set())
        may_omit = wanted if omit == EVERYTHING else set(omit)
        includable = INCLUDABLE.get(name, set())
        if expanded is None:
            may_omit |= includable
        else:
            may_omit |= includable - expanded
            wanted -= includable - expanded
        missing = wanted - set(body) - may_omit
        extra = set(body) - wanted
        if missing or extra:
            self.problems.append(
                f"{where} ({name}): missing {sorted(missing)}, extra {sorted(extra)}"
            )
        inner: dict[str, type] = getattr(cls, "_inner_class_types", {})
        for key, value in body.items():
            if key not in cls.__annotations__:
                continue
            annotation = cls.__annotations__[key]
            if not conforms(value, annotation):
                self.problems.append(f"{where}.{key} = {value!r:.80} is not {annotation}")
            nested = inner.get(key)
            if nested is not None:
                for index, item in _objects(value):
                    self.check(item, nested, f"{where}.{key}{index}")
            elif isinstance(value, dict) and value.get("object") in CLASSES:
                self.check_object(value, f"{where}.{key}", None)
            elif isinstance(value, dict) and value.get("object") == "list":
                for position, item in enumerate(value["data"]):
                    self.check_object(item, f"{where}.{key}.data[{position}]", None)
        if name == "Event.Data":
            self.check_object(body["object"], f"{where}.object", None)

    def check_object(
        self, body: dict[str, Any], where: str, expanded: Collection[str] | None = ()
    ) -> None:
        """A whole object: its class from ``object``, id prefix, ``livemode``, then ``check``.
        By default nothing was expanded, so includable fields must be absent."""
        kind = str(body.get("object"))
        if kind not in CLASSES:
            self.problems.append(f"{where}: unexpected object {kind!r}")
            return
        if not str(body.get("id", "")).startswith(PREFIXES[kind]):
            self.problems.append(f"{where}: id {body.get('id')!r} lacks {PREFIXES[kind]}")
        if "livemode" in body and body["livemode"] is not False:
            self.problems.append(f"{where}: livemode {body['livemode']!r}")
        self.check(body, CLASSES[kind], where, None if expanded is None else set(expanded))


def _objects(value: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(value, dict):
        yield "", value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield f"[{index}]", item


def conforms(value: Any, annotation: Any) -> bool:
    """Whether a JSON value fits an SDK annotation (objects: a JSON object; ids: a string)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is Any:
        return True
    if annotation is type(None):
        return value is None
    if origin is typing.Union:
        return any(conforms(value, arg) for arg in args)
    if origin is typing.Literal:
        return value in args
    if origin is list:
        return isinstance(value, list) and all(conforms(item, args[0]) for item in value)
    if origin is dict:
        return isinstance(value, dict)
    if isinstance(annotation, typing.ForwardRef):
        return isinstance(value, dict)
    if origin is not None and isinstance(origin, type) and issubclass(origin, ListObject):
        return isinstance(value, dict) and value.get("object") == "list"
    if isinstance(origin or annotation, type) and issubclass(origin or annotation, StripeObject):
        return isinstance(value, dict)
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if annotation is str:
        return isinstance(value, str)
    if annotation is decimal.Decimal:
        return isinstance(value, str)  # a decimal string on the wire
    return False  # an annotation this checker does not know: look at it


def raw(obj: StripeObject) -> dict[str, Any]:
    """The exact JSON the fake answered with (not the SDK's reading of it)."""
    assert obj.last_response is not None
    body: dict[str, Any] = json.loads(obj.last_response.body)
    return body


@pytest.fixture
def paid(stripe_client: stripe.StripeClient, control: FakeStripeControl) -> dict[str, Any]:
    """One of each object: a paid card session, a settled Bacs debit, a declined card."""
    card = new_session(stripe_client, customer_email="payer@example.com")
    control.pay(card.id, name="Pat Payer")
    debit = new_session(stripe_client, payment_method_types=["bacs_debit"])
    control.pay(debit.id, method="bacs_debit", account_number="00012345")
    control.advance(minutes=5)
    declined = new_session(stripe_client)
    control.pay(declined.id, card="4000000000000002")
    return {"card": card.id, "debit": debit.id, "declined": declined.id}


def test_each_object_has_exactly_the_sdks_fields(
    stripe_client: stripe.StripeClient, paid: dict[str, Any]
) -> None:
    findings = Findings()
    product = stripe_client.v1.products.create(
        params={"name": "P", "default_price_data": {"currency": "gbp", "unit_amount": 100}}
    )
    endpoint = stripe_client.v1.webhook_endpoints.create(
        params={"url": "https://example.com/hook", "enabled_events": ["*"]}
    )
    answers: dict[str, dict[str, Any]] = {
        "product (created)": raw(product),
        "price": raw(stripe_client.v1.prices.retrieve(str(product.default_price))),
        "webhook_endpoint (created)": raw(endpoint),
        "webhook_endpoint": raw(stripe_client.v1.webhook_endpoints.retrieve(endpoint.id)),
    }
    for method, session_id in paid.items():
        session = stripe_client.v1.checkout.sessions.retrieve(session_id)
        intent = stripe_client.v1.payment_intents.retrieve(str(session.payment_intent))
        answers[f"{method} session"] = raw(session)
        answers[f"{method} payment_intent"] = raw(intent)
        answers[f"{method} charge"] = raw(
            stripe_client.v1.charges.retrieve(str(intent.latest_charge))
        )
        answers[f"{method} line items"] = raw(
            stripe_client.v1.checkout.sessions.line_items.list(session_id)
        )
    answers["events"] = raw(stripe_client.v1.events.list(params={"limit": 100}))

    for where, body in answers.items():
        if body["object"] == "list":
            assert body["data"], where
            for index, item in enumerate(body["data"]):
                findings.check_object(item, f"{where}[{index}]")
        else:
            findings.check_object(body, where)

    assert findings.problems == []


def test_expanded_fields_are_there_only_when_asked_for(
    stripe_client: stripe.StripeClient, paid: dict[str, Any]
) -> None:
    findings = Findings()
    session = stripe_client.v1.checkout.sessions.retrieve(
        paid["card"],
        params={"expand": ["line_items", "payment_intent.latest_charge.refunds"]},
    )
    body = raw(session)

    findings.check_object(body, "session", {"line_items"})

    assert findings.problems == []
    assert "line_items" in body
    assert body["payment_intent"]["latest_charge"]["refunds"]["data"] == []
    assert "line_items" not in raw(stripe_client.v1.checkout.sessions.retrieve(paid["card"]))
    charge = stripe_client.v1.charges.retrieve(body["payment_intent"]["latest_charge"]["id"])
    assert "refunds" not in raw(charge)


def test_a_deletion_answer_is_the_id_and_deleted(stripe_client: stripe.StripeClient) -> None:
    endpoint = stripe_client.v1.webhook_endpoints.create(
        params={"url": "https://example.com/hook", "enabled_events": ["*"]}
    )

    body = raw(stripe_client.v1.webhook_endpoints.delete(endpoint.id))

    assert body == {"id": endpoint.id, "object": "webhook_endpoint", "deleted": True}
    assert set(body) <= fields_of(stripe.WebhookEndpoint) | {"object"}


def test_timestamps_are_unix_seconds_near_the_fake_clock(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    now = control.clock().timestamp
    session = raw(new_session(stripe_client))

    assert type(session["created"]) is int
    assert abs(session["created"] - now) <= 10  # seconds, not milliseconds
    assert session["expires_at"] - session["created"] == 24 * 3600


def test_the_fake_speaks_the_sdks_api_version() -> None:
    assert stripe.api_version == API_VERSION


def test_enabled_events_are_the_ones_the_sdk_lists() -> None:
    [literal] = typing.get_args(WebhookEndpointCreateParams.__annotations__["enabled_events"])

    assert set(typing.get_args(literal)) == ENABLED_EVENTS


def test_the_expandable_fields_are_the_ones_the_sdk_types_as_expandable() -> None:
    for kind, cls in CLASSES.items():
        annotations: dict[str, Any] = cls.__annotations__
        expandable = {
            name
            for name, annotation in annotations.items()
            if str in typing.get_args(annotation)
            and any(isinstance(arg, typing.ForwardRef) for arg in typing.get_args(annotation))
        } | INCLUDABLE.get(cls.__qualname__, set())

        assert set(EXPANDABLE[kind]) == expandable, kind


def test_the_checker_catches_what_it_should() -> None:
    """The field checker is itself a test's subject: it fails on a wrong shape."""
    findings = Findings()
    good = raw_price()
    bad = {**good, "created": "1700000000", "colour": "red"}
    del bad["nickname"]

    findings.check_object(good, "good")
    assert findings.problems == []
    findings.check_object(bad, "bad")
    assert len(findings.problems) == 2
    assert "missing ['nickname'], extra ['colour']" in findings.problems[0]
    assert "created" in findings.problems[1]


def raw_price() -> dict[str, Any]:
    return {
        "id": "price_1",
        "object": "price",
        "active": True,
        "billing_scheme": "per_unit",
        "created": 1700000000,
        "currency": "gbp",
        "currency_options": None,
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": None,
        "metadata": {},
        "nickname": None,
        "product": "prod_1",
        "recurring": None,
        "tax_behavior": "unspecified",
        "tiers": None,
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "one_time",
        "unit_amount": 100,
        "unit_amount_decimal": "100",
    }
