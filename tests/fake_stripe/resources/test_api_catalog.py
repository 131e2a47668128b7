"""Products and Prices through the official SDK: create, retrieve, list, so apps that sell
with price ids work against the fake."""

from __future__ import annotations

import pytest
import stripe


def _refused(call: object) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        call()  # type: ignore[operator]
    return refused.value


def test_a_product_is_created_retrieved_and_listed(stripe_client: stripe.StripeClient) -> None:
    product = stripe_client.v1.products.create(
        params={"name": "Credits", "description": "Wallet credits", "metadata": {"sku": "c1"}}
    )
    custom = stripe_client.v1.products.create(params={"id": "prod_custom", "name": "Custom"})

    found = stripe_client.v1.products.retrieve(product.id)
    listed = stripe_client.v1.products.list()

    assert product.id.startswith("prod_")
    assert custom.id == "prod_custom"
    assert (found.name, found.description, found.active) == ("Credits", "Wallet credits", True)
    assert found.metadata.to_dict() == {"sku": "c1"}
    assert found.default_price is None
    assert [p.id for p in listed.data] == ["prod_custom", product.id]


def test_a_product_id_can_be_taken_once(stripe_client: stripe.StripeClient) -> None:
    stripe_client.v1.products.create(params={"id": "prod_once", "name": "Once"})

    error = _refused(
        lambda: stripe_client.v1.products.create(params={"id": "prod_once", "name": "Twice"})
    )

    assert (error.code, error.param) == ("resource_already_exists", "id")
    assert stripe_client.v1.products.retrieve("prod_once").name == "Once"


def test_default_price_data_makes_the_default_price(stripe_client: stripe.StripeClient) -> None:
    product = stripe_client.v1.products.create(
        params={"name": "Pack", "default_price_data": {"currency": "gbp", "unit_amount": 999}}
    )

    expanded = stripe_client.v1.products.retrieve(product.id, params={"expand": ["default_price"]})

    assert isinstance(product.default_price, str)
    assert product.default_price.startswith("price_")
    assert isinstance(expanded.default_price, stripe.Price)
    assert (expanded.default_price.unit_amount, expanded.default_price.product) == (999, product.id)


def test_products_list_filters_by_active_and_ids(stripe_client: stripe.StripeClient) -> None:
    live = stripe_client.v1.products.create(params={"name": "Live"})
    archived = stripe_client.v1.products.create(params={"name": "Archived", "active": False})

    active = stripe_client.v1.products.list(params={"active": True})
    inactive = stripe_client.v1.products.list(params={"active": False})
    chosen = stripe_client.v1.products.list(params={"ids": [archived.id]})

    assert [p.id for p in active.data] == [live.id]
    assert [p.id for p in inactive.data] == [archived.id]
    assert [p.id for p in chosen.data] == [archived.id]


def test_a_price_is_created_for_a_product_and_expands_to_it(
    stripe_client: stripe.StripeClient,
) -> None:
    product = stripe_client.v1.products.create(params={"name": "Credits"})

    price = stripe_client.v1.prices.create(
        params={
            "currency": "gbp",
            "unit_amount": 5000,
            "product": product.id,
            "nickname": "Fifty",
            "lookup_key": "fifty",
            "metadata": {"tier": "1"},
        }
    )
    found = stripe_client.v1.prices.retrieve(price.id, params={"expand": ["product"]})

    assert price.id.startswith("price_")
    assert (price.unit_amount, str(price.unit_amount_decimal), price.currency) == (
        5000,
        "5000",
        "gbp",
    )
    assert (price.type, price.billing_scheme, price.nickname) == ("one_time", "per_unit", "Fifty")
    assert price.product == product.id
    assert isinstance(found.product, stripe.Product)
    assert found.product.name == "Credits"
    assert stripe_client.v1.products.retrieve(product.id).default_price is None


def test_a_price_with_product_data_makes_its_product(stripe_client: stripe.StripeClient) -> None:
    price = stripe_client.v1.prices.create(
        params={"currency": "eur", "unit_amount": 700, "product_data": {"name": "Inline"}}
    )

    product = stripe_client.v1.products.retrieve(str(price.product))

    assert product.name == "Inline"
    assert [p.id for p in stripe_client.v1.products.list().data] == [product.id]


def test_prices_list_filters(stripe_client: stripe.StripeClient) -> None:
    one = stripe_client.v1.products.create(params={"name": "One"})
    two = stripe_client.v1.products.create(params={"name": "Two"})
    gbp = stripe_client.v1.prices.create(
        params={"currency": "gbp", "unit_amount": 100, "product": one.id, "lookup_key": "a"}
    )
    eur = stripe_client.v1.prices.create(
        params={"currency": "eur", "unit_amount": 100, "product": two.id, "active": False}
    )

    def ids(**params: object) -> list[str]:
        return [p.id for p in stripe_client.v1.prices.list(params=params).data]  # type: ignore[arg-type]

    assert ids() == [eur.id, gbp.id]
    assert ids(product=one.id) == [gbp.id]
    assert ids(currency="eur") == [eur.id]
    assert ids(active=True) == [gbp.id]
    assert ids(lookup_keys=["a"]) == [gbp.id]
    assert ids(type="recurring") == []
    assert ids(limit=1, starting_after=eur.id) == [gbp.id]


@pytest.mark.parametrize(
    ("params", "status", "param"),
    [
        ({"unit_amount": 100, "product_data": {"name": "X"}}, 400, "currency"),
        (
            {"currency": "doubloons", "unit_amount": 1, "product_data": {"name": "X"}},
            400,
            "currency",
        ),
        ({"currency": "gbp", "unit_amount": -1, "product_data": {"name": "X"}}, 400, "unit_amount"),
        (
            {"currency": "gbp", "unit_amount": "1.5", "product_data": {"name": "X"}},
            400,
            "unit_amount",
        ),
        ({"currency": "gbp", "unit_amount": 1}, 400, "product"),
        ({"currency": "gbp", "unit_amount": 1, "product": "prod_nope"}, 400, "product"),
        (
            {"currency": "gbp", "unit_amount": 1, "product_data": {"description": "d"}},
            400,
            "product_data[name]",
        ),
        (
            {"currency": "gbp", "unit_amount": 1, "product_data": {"name": "X", "id": "p"}},
            400,
            "product_data[id]",
        ),
        (
            {"currency": "gbp", "unit_amount": 1, "recurring": {"interval": "month"}},
            400,
            "recurring",
        ),
    ],
)
def test_a_bad_price_is_refused_naming_the_param_and_stores_nothing(
    stripe_client: stripe.StripeClient, params: dict[str, object], status: int, param: str
) -> None:
    error = _refused(lambda: stripe_client.v1.prices.create(params=params))  # type: ignore[arg-type]

    assert (error.http_status, error.param) == (status, param)
    assert stripe_client.v1.products.list().data == []
    assert stripe_client.v1.prices.list().data == []


def test_a_lookup_key_names_one_price(stripe_client: stripe.StripeClient) -> None:
    params = {"currency": "gbp", "unit_amount": 1, "product_data": {"name": "X"}, "lookup_key": "k"}
    stripe_client.v1.prices.create(params=params)  # type: ignore[arg-type]

    error = _refused(lambda: stripe_client.v1.prices.create(params=params))  # type: ignore[arg-type]

    assert error.param == "lookup_key"


def test_missing_catalog_objects_are_404s(stripe_client: stripe.StripeClient) -> None:
    product = _refused(lambda: stripe_client.v1.products.retrieve("prod_nope"))
    price = _refused(lambda: stripe_client.v1.prices.retrieve("price_nope"))

    assert (product.http_status, product.code) == (404, "resource_missing")
    assert (price.http_status, price.code) == (404, "resource_missing")


def test_creating_catalog_objects_emits_their_events(stripe_client: stripe.StripeClient) -> None:
    product = stripe_client.v1.products.create(
        params={"name": "P"}, options={"idempotency_key": "make-p"}
    )
    price = stripe_client.v1.prices.create(
        params={"currency": "gbp", "unit_amount": 1, "product": product.id}
    )

    events = stripe_client.v1.events.list().data

    assert [(e.type, e.data.object["id"]) for e in events] == [
        ("price.created", price.id),
        ("product.created", product.id),
    ]
    assert events[1].request is not None
    assert product.last_response is not None
    assert (events[1].request.id, events[1].request.idempotency_key) == (
        product.last_response.request_id,
        "make-p",
    )
