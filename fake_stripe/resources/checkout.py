"""Checkout Sessions: create, retrieve, list, line items, expire (by call or on the clock).

A create request is read and checked in full before anything is stored or any id is drawn,
so a refused request leaves nothing behind and the ids of a seeded run stay the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fake_stripe.objects.catalog import Price, Product
from fake_stripe.objects.checkout import PAYMENT_METHOD_TYPES, CheckoutSession, LineItem
from fake_stripe.objects.currencies import MAXIMUM_CHARGE, MINIMUM_CHARGE, format_amount
from fake_stripe.protocol.errors import InvalidRequest, ResourceMissing, StateConflict
from fake_stripe.protocol.listing import paginate, read_created_filter, read_page_params
from fake_stripe.protocol.params import Params
from fake_stripe.resources.account import Account
from fake_stripe.resources.catalog import (
    ProductFields,
    get_price,
    get_product,
    make_product,
    read_currency,
    read_product_fields,
    read_unit_amount,
)
from fake_stripe.resources.event_log import RequestContext, record_event

MIN_LIFETIME = 30 * 60
MAX_LIFETIME = DEFAULT_LIFETIME = 24 * 60 * 60
MAX_LINE_ITEMS = 100


@dataclass
class _ItemDraft:
    """A line item as read from the request: nothing stored, no id drawn yet."""

    quantity: int
    price: Price | None  # an existing price (``price``)
    currency: str
    unit_amount: int
    product: Product | ProductFields  # an existing product, or a new one's fields


def create_session(account: Account, params: Params) -> CheckoutSession:
    now = account.now()
    mode = params.require_choice("mode", ["payment"])
    drafts = [_read_item(account, item) for item in params.children("line_items", required=True)]
    if not drafts:
        raise InvalidRequest("line_items must contain at least one item.", param="line_items")
    if len(drafts) > MAX_LINE_ITEMS:
        raise InvalidRequest(
            f"A Checkout Session in payment mode takes at most {MAX_LINE_ITEMS} line items.",
            param="line_items",
        )
    currency = _one_currency(drafts, params.string("currency"))
    total = sum(draft.unit_amount * draft.quantity for draft in drafts)
    if total < MINIMUM_CHARGE[currency] or total > MAXIMUM_CHARGE:
        raise InvalidRequest(
            f"The Checkout Session's total amount due must add up to at least"
            f" {format_amount(MINIMUM_CHARGE[currency], currency)} and at most"
            f" {format_amount(MAXIMUM_CHARGE, currency)} (it is {format_amount(total, currency)}).",
            param="line_items",
            code="amount_too_small" if total < MINIMUM_CHARGE[currency] else "amount_too_large",
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
    success_url = _url(params, "success_url", required=True)
    cancel_url = _url(params, "cancel_url", required=False)
    method_types = _method_types(params)
    intent_metadata: dict[str, str] = {}
    intent_description = None
    intent_data = params.child("payment_intent_data")
    if intent_data is not None:
        intent_metadata = intent_data.metadata() or {}
        intent_description = intent_data.string("description", max_length=1000)
        intent_data.finish()
    client_reference_id = params.string("client_reference_id", max_length=200)
    customer_email = _email(params)
    metadata = params.metadata() or {}
    params.finish()
    session_id = account.ids.new("checkout_session")
    session = CheckoutSession(
        id=session_id,
        created=now,
        expires_at=expires_at,
        currency=currency,
        line_items=[_make_item(account, draft) for draft in drafts],
        success_url=success_url,
        cancel_url=cancel_url,
        url=f"{account.public_url}/c/pay/{session_id}",
        payment_method_types=method_types,
        client_reference_id=client_reference_id,
        customer_email=customer_email,
        metadata=metadata,
        payment_intent_metadata=intent_metadata,
        payment_intent_description=intent_description,
        mode=mode,
    )
    account.add_session(session)
    account.scheduler.call_at(
        expires_at, f"expire {session.id}", lambda: expire_if_open(account, session.id)
    )
    return session


def get_session(account: Account, session_id: str) -> CheckoutSession:
    if session_id not in account.sessions:
        raise ResourceMissing("checkout.session", session_id, param="session")
    return account.sessions[session_id]


def list_sessions(account: Account, params: Params) -> dict[str, Any]:
    limit, starting_after, ending_before = read_page_params(params)
    payment_intent = params.string("payment_intent")
    status = params.choice("status", ["open", "complete", "expired"])
    created = read_created_filter(params)
    details = params.child("customer_details")
    email = details.string("email") if details is not None else None
    if details is not None:
        details.finish()
    params.finish()
    return paginate(
        account.session_order.newest_first(),
        account.sessions.__getitem__,
        keep=lambda session: (
            (payment_intent is None or session.payment_intent == payment_intent)
            and (status is None or session.status == status)
            and created(session.created)
            and (email is None or _customer_email(session) == email)
        ),
        limit=limit,
        starting_after=starting_after,
        ending_before=ending_before,
        url="/v1/checkout/sessions",
        kind="checkout.session",
        serialise=lambda session: session.to_stripe(),
    )


def list_line_items(account: Account, session_id: str, params: Params) -> dict[str, Any]:
    limit, starting_after, ending_before = read_page_params(params)
    params.finish()
    session = get_session(account, session_id)
    return line_items_page(
        session, limit=limit, starting_after=starting_after, ending_before=ending_before
    )


def line_items_page(
    session: CheckoutSession,
    *,
    limit: int = 10,
    starting_after: str | None = None,
    ending_before: str | None = None,
) -> dict[str, Any]:
    """Line items in the order they were given (``expand[]=line_items`` shows the first 10,
    as on Stripe; the list's ``url`` pages on)."""
    items = {item.id: item for item in session.line_items}
    return paginate(
        list(items),
        items.__getitem__,
        limit=limit,
        starting_after=starting_after,
        ending_before=ending_before,
        url=f"/v1/checkout/sessions/{session.id}/line_items",
        kind="line_item",
        serialise=lambda item: item.to_stripe(),
    )


def expire_session(
    account: Account, session_id: str, request: RequestContext | None = None
) -> CheckoutSession:
    session = get_session(account, session_id)
    if session.status != "open":
        raise StateConflict(
            f'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout'
            f" Session has a status of {session.status}.",
            param="session",
            code="checkout_session_not_open",
        )
    _expire(account, session, request)
    return session


def expire_if_open(account: Account, session_id: str) -> None:
    """The clock reached ``expires_at``."""
    session = account.sessions.get(session_id)
    if session is not None and session.status == "open":
        _expire(account, session, None)


def _expire(account: Account, session: CheckoutSession, request: RequestContext | None) -> None:
    session.status = "expired"
    record_event(account, "checkout.session.expired", session.to_stripe(), request)


# -- reading a create request ------------------------------------------------------------------


def _read_item(account: Account, item: Params) -> _ItemDraft:
    quantity = item.require_integer("quantity", minimum=1, maximum=999_999)
    price_id = item.string("price")
    price_data = item.child("price_data")
    item.finish()
    if price_id is not None and price_data is None:
        price = get_price(account, price_id, param=item.name("price"))
        product = account.products[price.product]
        if not price.active or not product.active:
            raise InvalidRequest(
                f"The price specified ({price.id}) is inactive. This field only accepts active"
                " prices.",
                param=item.name("price"),
            )
        return _ItemDraft(quantity, price, price.currency, price.unit_amount, product)
    if price_data is None or price_id is not None:
        raise InvalidRequest(
            "You must specify either `price` or `price_data` in each line item.",
            param=item.name("price"),
        )
    currency = read_currency(price_data)
    unit_amount = read_unit_amount(price_data)
    product_id = price_data.string("product")
    product_data = price_data.child("product_data")
    price_data.finish()
    if product_id is not None and product_data is None:
        product = get_product(account, product_id, param=price_data.name("product"))
        return _ItemDraft(quantity, None, currency, unit_amount, product)
    if product_data is None or product_id is not None:
        raise InvalidRequest(
            "You must specify either `product` or `product_data` in price_data.",
            param=price_data.name("product_data"),
        )
    fields = read_product_fields(product_data, inline=True)
    return _ItemDraft(quantity, None, currency, unit_amount, fields)


def _make_item(account: Account, draft: _ItemDraft) -> LineItem:
    """Store what a checked draft needs (a new product, an inline price) and make the item."""
    price = draft.price
    if price is None:
        product = draft.product
        if isinstance(product, ProductFields):
            product = make_product(account, product)
            account.products[product.id] = product
        price = Price(
            account.ids.new("price"), product.id, draft.currency, draft.unit_amount, account.now()
        )
        account.prices[price.id] = price
    return LineItem(account.ids.new("line_item"), price, draft.quantity, draft.product.name)


def _one_currency(drafts: list[_ItemDraft], requested: str | None) -> str:
    currencies = {draft.currency for draft in drafts}
    if len(currencies) > 1:
        raise InvalidRequest("All line items must use the same currency.", param="line_items")
    currency = currencies.pop()
    if requested is not None and requested.lower() != currency:
        raise InvalidRequest(
            f"The currency ({requested[:10]}) does not match the line items' currency"
            f" ({currency}).",
            param="currency",
        )
    return currency


def _method_types(params: Params) -> list[str]:
    """The methods offered. Stripe also refuses a method that cannot collect the session's
    currency (Bacs takes pounds, SEPA euros); the fake does not, so its tests can offer any."""
    methods = params.strings("payment_method_types") or ["card"]
    for index, method in enumerate(methods):
        if method not in PAYMENT_METHOD_TYPES:
            raise InvalidRequest(
                f"Invalid payment_method_types[{index}]: must be one of"
                f" {', '.join(PAYMENT_METHOD_TYPES)}",
                param=f"payment_method_types[{index}]",
            )
    return list(dict.fromkeys(methods))


def _url(params: Params, key: str, *, required: bool) -> str | None:
    url = params.string(key, required=required)
    if url is not None and not url.startswith(("http://", "https://")):
        raise InvalidRequest(
            f"Not a valid URL: {key} must begin with http:// or https://",
            param=key,
            code="url_invalid",
        )
    return url


def _email(params: Params) -> str | None:
    email = params.string("customer_email", max_length=800)
    if email is not None:
        local, at, domain = email.partition("@")
        if not (local and at and "." in domain) or any(c.isspace() for c in email):
            raise InvalidRequest(
                f"Invalid email address: {email[:100]}",
                param="customer_email",
                code="email_invalid",
            )
    return email


def _customer_email(session: CheckoutSession) -> str | None:
    if session.customer_details is not None:
        return session.customer_details.email
    return session.customer_email
