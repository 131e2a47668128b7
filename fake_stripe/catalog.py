"""Products and Prices: create, retrieve, list."""

from __future__ import annotations

from fake_stripe.account import Account
from fake_stripe.currencies import MAXIMUM_CHARGE, MINIMUM_CHARGE
from fake_stripe.errors import InvalidRequest, ResourceMissing
from fake_stripe.objects.catalog import Price, Product
from fake_stripe.params import Params


def create_product(account: Account, params: Params) -> Product:
    name = params.string("name", required=True, max_length=250)
    assert name is not None
    product = Product(
        id=params.string("id") or account.ids.new("product"),
        name=name,
        created=account.now(),
        description=params.string("description"),
        active=params.boolean("active") is not False,
        metadata=params.metadata() or {},
    )
    params.finish()
    if product.id in account.products:
        raise InvalidRequest(f"Product already exists: {product.id}", param="id")
    account.products[product.id] = product
    return product


def get_product(account: Account, product_id: str) -> Product:
    if product_id not in account.products:
        raise ResourceMissing("product", product_id)
    return account.products[product_id]


def read_currency(params: Params, key: str = "currency") -> str:
    currency = (params.string(key, required=True) or "").lower()
    if currency not in MINIMUM_CHARGE:
        raise InvalidRequest(
            f"Invalid currency: {currency}. The fake supports {', '.join(MINIMUM_CHARGE)}.",
            param=params.name(key),
        )
    return currency


def read_unit_amount(params: Params) -> int:
    amount = params.integer("unit_amount", required=True, minimum=0, maximum=MAXIMUM_CHARGE)
    assert amount is not None
    return amount


def create_price(account: Account, params: Params) -> Price:
    currency = read_currency(params)
    unit_amount = read_unit_amount(params)
    product_id = params.string("product")
    product_data = params.child("product_data")
    if (product_id is None) == (product_data is None):
        raise InvalidRequest(
            "You must specify exactly one of product or product_data.", param="product"
        )
    if product_id is not None:
        get_product(account, product_id)
    else:
        assert product_data is not None
        product_id = create_product(account, product_data).id
    price = Price(
        id=account.ids.new("price"),
        product=product_id,
        currency=currency,
        unit_amount=unit_amount,
        created=account.now(),
        nickname=params.string("nickname"),
        lookup_key=params.string("lookup_key"),
        active=params.boolean("active") is not False,
        metadata=params.metadata() or {},
    )
    params.finish()
    account.prices[price.id] = price
    if account.products[product_id].default_price is None:
        account.products[product_id].default_price = price.id
    return price


def get_price(account: Account, price_id: str, param: str = "id") -> Price:
    if price_id not in account.prices:
        raise ResourceMissing("price", price_id, param=param)
    return account.prices[price_id]
