"""Products and Prices: create, retrieve, list, so apps that check out with price ids work.

Every request is read and checked in full before anything is stored, so a refused request
leaves no half-made product behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fake_stripe.objects.catalog import Price, Product
from fake_stripe.objects.currencies import MAXIMUM_CHARGE, MINIMUM_CHARGE
from fake_stripe.protocol.errors import InvalidRequest, ResourceMissing
from fake_stripe.protocol.listing import paginate, read_created_filter, read_page_params
from fake_stripe.protocol.params import Params
from fake_stripe.resources.account import Account
from fake_stripe.resources.event_log import RequestContext, record_event


def create_product(
    account: Account, params: Params, request: RequestContext | None = None
) -> Product:
    price_data = params.child("default_price_data")
    price_fields = None
    if price_data is not None:
        price_fields = (read_currency(price_data), read_unit_amount(price_data))
        price_data.finish()
    fields = read_product_fields(params, inline=False)
    if fields.custom_id is not None and fields.custom_id in account.products:
        raise InvalidRequest(
            f"Product already exists: {fields.custom_id}",
            param="id",
            code="resource_already_exists",
        )
    product = make_product(account, fields)
    account.products[product.id] = product
    default_price = None
    if price_fields is not None:
        currency, unit_amount = price_fields
        default_price = Price(
            account.ids.new("price"), product.id, currency, unit_amount, account.now()
        )
        account.prices[default_price.id] = default_price
        product.default_price = default_price.id
    record_event(account, "product.created", product.to_stripe(), request)
    if default_price is not None:
        record_event(account, "price.created", default_price.to_stripe(), request)
    return product


@dataclass(frozen=True)
class ProductFields:
    """A product as read from a request, checked but not made: no id drawn yet."""

    name: str
    description: str | None
    metadata: dict[str, str]
    active: bool = True
    custom_id: str | None = None


def read_product_fields(params: Params, *, inline: bool) -> ProductFields:
    """``POST /v1/products``' parameters, or a ``product_data`` hash when ``inline``."""
    fields = ProductFields(
        name=params.require_string("name", max_length=250),
        description=params.string("description", max_length=40_000),
        metadata=params.metadata() or {},
        active=True if inline else params.boolean("active") is not False,
        custom_id=None if inline else params.string("id", max_length=250),
    )
    params.finish()
    return fields


def make_product(account: Account, fields: ProductFields) -> Product:
    """A new product with an id (the requested one, else a fresh one); not stored."""
    return Product(
        id=fields.custom_id or account.ids.new("product"),
        name=fields.name,
        created=account.now(),
        description=fields.description,
        active=fields.active,
        metadata=dict(fields.metadata),
    )


def get_product(account: Account, product_id: str, param: str = "id") -> Product:
    """``param``: "id" when the URL names it, else the parameter that does (a 400)."""
    if product_id not in account.products:
        raise ResourceMissing("product", product_id, param=param, in_url=param == "id")
    return account.products[product_id]


def list_products(account: Account, params: Params) -> dict[str, Any]:
    limit, starting_after, ending_before = read_page_params(params)
    active = params.boolean("active")
    ids = params.strings("ids", max_items=100)
    created = read_created_filter(params)
    params.finish()
    return paginate(
        list(reversed(account.products)),
        account.products.__getitem__,
        keep=lambda product: (
            (active is None or product.active == active)
            and (ids is None or product.id in ids)
            and created(product.created)
        ),
        limit=limit,
        starting_after=starting_after,
        ending_before=ending_before,
        url="/v1/products",
        kind="product",
        serialise=lambda product: product.to_stripe(),
    )


def read_currency(params: Params, key: str = "currency") -> str:
    currency = params.require_string(key).lower()
    if currency not in MINIMUM_CHARGE:
        raise InvalidRequest(
            f"Invalid currency: {currency[:20]}. The fake supports {', '.join(MINIMUM_CHARGE)}.",
            param=params.name(key),
        )
    return currency


def read_unit_amount(params: Params) -> int:
    return params.require_integer("unit_amount", minimum=0, maximum=MAXIMUM_CHARGE)


def create_price(account: Account, params: Params, request: RequestContext | None = None) -> Price:
    currency = read_currency(params)
    unit_amount = read_unit_amount(params)
    product_id = params.string("product")
    product_data = params.child("product_data")
    nickname = params.string("nickname")
    lookup_key = params.string("lookup_key", max_length=200)
    active = params.boolean("active") is not False
    metadata = params.metadata() or {}
    params.finish()
    if product_id is not None and product_data is not None:
        raise InvalidRequest(
            "You may only specify one of these parameters: product, product_data.",
            param="product_data",
        )
    existing = get_product(account, product_id, param="product") if product_id else None
    new_fields = read_product_fields(product_data, inline=True) if product_data else None
    if lookup_key is not None and any(p.lookup_key == lookup_key for p in account.prices.values()):
        raise InvalidRequest(
            f"A price (`{lookup_key}`) already uses that lookup key.", param="lookup_key"
        )
    if new_fields is not None:
        product = make_product(account, new_fields)
        account.products[product.id] = product
        record_event(account, "product.created", product.to_stripe(), request)
    elif existing is not None:
        product = existing
    else:
        raise InvalidRequest(
            "You must specify exactly one of product or product_data.", param="product"
        )
    price = Price(
        id=account.ids.new("price"),
        product=product.id,
        currency=currency,
        unit_amount=unit_amount,
        created=account.now(),
        nickname=nickname,
        lookup_key=lookup_key,
        active=active,
        metadata=metadata,
    )
    account.prices[price.id] = price
    record_event(account, "price.created", price.to_stripe(), request)
    return price


def get_price(account: Account, price_id: str, param: str = "price") -> Price:
    """``param``: "price" when the URL names it, else the parameter that does (a 400)."""
    if price_id not in account.prices:
        raise ResourceMissing("price", price_id, param=param, in_url=param == "price")
    return account.prices[price_id]


def list_prices(account: Account, params: Params) -> dict[str, Any]:
    limit, starting_after, ending_before = read_page_params(params)
    active = params.boolean("active")
    product = params.string("product")
    currency = params.string("currency")
    kind = params.choice("type", ["one_time", "recurring"])
    lookup_keys = params.strings("lookup_keys", max_items=10)
    created = read_created_filter(params)
    params.finish()
    return paginate(
        list(reversed(account.prices)),
        account.prices.__getitem__,
        keep=lambda price: (
            (active is None or price.active == active)
            and (product is None or price.product == product)
            and (currency is None or price.currency == currency.lower())
            and kind in (None, "one_time")
            and (lookup_keys is None or price.lookup_key in lookup_keys)
            and created(price.created)
        ),
        limit=limit,
        starting_after=starting_after,
        ending_before=ending_before,
        url="/v1/prices",
        kind="price",
        serialise=lambda price: price.to_stripe(),
    )
