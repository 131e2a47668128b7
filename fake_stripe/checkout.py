"""Checkout Sessions: create, retrieve, list, line items, expire (by call or on the clock)."""

from __future__ import annotations

from typing import Any

from fake_stripe.account import Account
from fake_stripe.catalog import create_product, get_price, read_currency, read_unit_amount
from fake_stripe.currencies import MAXIMUM_CHARGE, MINIMUM_CHARGE, format_amount
from fake_stripe.errors import InvalidRequest, ResourceMissing, StateConflict
from fake_stripe.objects.catalog import Price
from fake_stripe.objects.checkout import PAYMENT_METHOD_TYPES, CheckoutSession, LineItem
from fake_stripe.params import Params

MIN_LIFETIME = 30 * 60
MAX_LIFETIME = DEFAULT_LIFETIME = 24 * 60 * 60


def create_session(account: Account, params: Params) -> CheckoutSession:
    mode = params.choice("mode", ["payment"], required=True)
    assert mode is not None
    now = account.now()
    line_items = [
        _line_item(account, item) for item in params.children("line_items", required=True)
    ]
    if not line_items:
        raise InvalidRequest("line_items must contain at least one item.", param="line_items")
    currencies = {item.price.currency for item in line_items}
    if len(currencies) > 1:
        raise InvalidRequest("All line items must use the same currency.", param="line_items")
    currency = currencies.pop()
    total = sum(item.amount for item in line_items)
    if total < MINIMUM_CHARGE[currency] or total > MAXIMUM_CHARGE:
        raise InvalidRequest(
            f"The Checkout Session's total amount must be at least"
            f" {format_amount(MINIMUM_CHARGE[currency], currency)} and at most"
            f" {format_amount(MAXIMUM_CHARGE, currency)}.",
            param="line_items",
        )
    expires_at = params.integer("expires_at")
    if expires_at is None:
        expires_at = now + DEFAULT_LIFETIME
    elif not now + MIN_LIFETIME <= expires_at <= now + MAX_LIFETIME:
        raise InvalidRequest(
            "The `expires_at` timestamp must be between 30 minutes and 24 hours from"
            " Checkout Session creation.",
            param="expires_at",
        )
    success_url = params.string("success_url", required=True)
    assert success_url is not None
    _check_url(success_url, "success_url")
    cancel_url = params.string("cancel_url")
    if cancel_url is not None:
        _check_url(cancel_url, "cancel_url")
    method_types = params.strings("payment_method_types") or ["card"]
    for index, method in enumerate(method_types):
        if method not in PAYMENT_METHOD_TYPES:
            raise InvalidRequest(
                f"Invalid payment_method_types[{index}]: must be one of"
                f" {', '.join(PAYMENT_METHOD_TYPES)}",
                param=f"payment_method_types[{index}]",
            )
    intent_data = params.child("payment_intent_data")
    intent_metadata: dict[str, str] = {}
    intent_description = None
    if intent_data is not None:
        intent_metadata = intent_data.metadata() or {}
        intent_description = intent_data.string("description")
        intent_data.finish()
    session_id = account.ids.new("checkout_session")
    session = CheckoutSession(
        id=session_id,
        created=now,
        expires_at=expires_at,
        currency=currency,
        line_items=line_items,
        success_url=success_url,
        cancel_url=cancel_url,
        url=f"{account.public_url}/c/pay/{session_id}",
        payment_method_types=method_types,
        client_reference_id=params.string("client_reference_id", max_length=200),
        customer_email=params.string("customer_email", max_length=800),
        metadata=params.metadata() or {},
        payment_intent_metadata=intent_metadata,
        payment_intent_description=intent_description,
        mode=mode,
    )
    params.strings("expand")
    params.finish()
    account.sessions[session.id] = session
    account.scheduler.call_at(
        expires_at, f"expire {session.id}", lambda: expire_if_open(account, session.id)
    )
    return session


def get_session(account: Account, session_id: str) -> CheckoutSession:
    if session_id not in account.sessions:
        raise ResourceMissing("checkout.session", session_id)
    return account.sessions[session_id]


def expire_session(account: Account, session_id: str) -> CheckoutSession:
    session = get_session(account, session_id)
    if session.status != "open":
        raise StateConflict(
            'Only Checkout Sessions with a status in ["open"] can be expired.',
            param="session",
            code="checkout_session_not_open",
        )
    _expire(account, session)
    return session


def expire_if_open(account: Account, session_id: str) -> None:
    """The clock reached ``expires_at``."""
    session = account.sessions.get(session_id)
    if session is not None and session.status == "open":
        _expire(account, session)


def _expire(account: Account, session: CheckoutSession) -> None:
    session.status = "expired"
    account.emit("checkout.session.expired", session.to_stripe())


def serialise_session(
    session: CheckoutSession, expand: list[str], account: Account
) -> dict[str, Any]:
    body = session.to_stripe()
    if "line_items" in expand:
        body["line_items"] = line_items_page(session, limit=100)
    if "payment_intent" in expand and session.payment_intent:
        body["payment_intent"] = account.payment_intents[session.payment_intent].to_stripe()
    return body


def line_items_page(session: CheckoutSession, *, limit: int) -> dict[str, Any]:
    items = session.line_items[:limit]
    return {
        "object": "list",
        "data": [item.to_stripe() for item in items],
        "has_more": len(session.line_items) > limit,
        "url": f"/v1/checkout/sessions/{session.id}/line_items",
    }


def _line_item(account: Account, item: Params) -> LineItem:
    quantity = item.integer("quantity", required=True, minimum=1, maximum=999_999)
    assert quantity is not None
    price_id = item.string("price")
    price_data = item.child("price_data")
    if (price_id is None) == (price_data is None):
        raise InvalidRequest(
            "You must specify either `price` or `price_data` in each line item.",
            param=item.name("price"),
        )
    if price_id is not None:
        price = get_price(account, price_id, param=item.name("price"))
        description = account.products[price.product].name
    else:
        assert price_data is not None
        price, description = _inline_price(account, price_data)
    item.finish()
    return LineItem(account.ids.new("line_item"), price, quantity, description)


def _inline_price(account: Account, data: Params) -> tuple[Price, str]:
    currency = read_currency(data)
    unit_amount = read_unit_amount(data)
    product_id = data.string("product")
    product_data = data.child("product_data")
    if (product_id is None) == (product_data is None):
        raise InvalidRequest(
            "You must specify either `product` or `product_data` in price_data.",
            param=data.name("product_data"),
        )
    if product_id is not None:
        if product_id not in account.products:
            raise ResourceMissing("product", product_id, param=data.name("product"))
        product = account.products[product_id]
    else:
        assert product_data is not None
        product = create_product(account, product_data)
    data.finish()
    price = Price(account.ids.new("price"), product.id, currency, unit_amount, account.now())
    account.prices[price.id] = price
    return price, product.name


def _check_url(url: str, param: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise InvalidRequest(f"Not a valid URL: {param} must start with http(s)://", param=param)
