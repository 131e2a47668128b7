"""``/v1``: the Stripe API the official SDKs talk to, unchanged.

Each handler parses its parameters, calls the model and serialises; ``endpoint`` (in
``api_pipeline``) does authentication, body reading, idempotency and errors around it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fake_stripe.http.api_pipeline import ALL_METHODS, Call, endpoint
from fake_stripe.http.paths import ANYTHING
from fake_stripe.objects.expansion import check_paths
from fake_stripe.protocol.errors import UnrecognizedUrl
from fake_stripe.protocol.listing import paginate, read_created_filter, read_page_params
from fake_stripe.resources import catalog, checkout, event_log, webhook_endpoints
from fake_stripe.resources.lookups import get_charge, get_payment_intent

# -- handlers: parse, call the model, serialise --------------------------------------------------


def create_session(call: Call) -> dict[str, Any]:
    paths = check_paths("checkout.session", call.params.expansions())
    session = checkout.create_session(call.account, call.params)
    return call.render(session.to_stripe(), paths)


def retrieve_session(call: Call) -> dict[str, Any]:
    paths = call.params.expansions()
    call.params.finish()
    session = checkout.get_session(call.account, call.path["id"])
    return call.render(session.to_stripe(), paths)


def list_sessions(call: Call) -> dict[str, Any]:
    paths = call.params.expansions(listing=True)
    page = checkout.list_sessions(call.account, call.params)
    return call.render(page, [["data", *path] for path in paths])


def list_line_items(call: Call) -> dict[str, Any]:
    paths = call.params.expansions(listing=True)
    page = checkout.list_line_items(call.account, call.path["id"], call.params)
    return call.render(page, [["data", *path] for path in paths])


def expire_session(call: Call) -> dict[str, Any]:
    paths = check_paths("checkout.session", call.params.expansions())
    call.params.finish()
    session = checkout.expire_session(call.account, call.path["id"], call.request)
    return call.render(session.to_stripe(), paths)


def retrieve_payment_intent(call: Call) -> dict[str, Any]:
    paths = call.params.expansions()
    call.params.finish()
    intent = get_payment_intent(call.account, call.path["id"])
    return call.render(intent.to_stripe(), paths)


def list_payment_intents(call: Call) -> dict[str, Any]:
    paths = call.params.expansions(listing=True)
    limit, after, before = read_page_params(call.params)
    created = read_created_filter(call.params)
    call.params.finish()
    intents = call.account.payment_intents
    page = paginate(
        list(reversed(intents)),
        intents.__getitem__,
        keep=lambda intent: created(intent.created),
        limit=limit,
        starting_after=after,
        ending_before=before,
        url="/v1/payment_intents",
        kind="payment_intent",
        serialise=lambda intent: intent.to_stripe(),
    )
    return call.render(page, [["data", *path] for path in paths])


def retrieve_charge(call: Call) -> dict[str, Any]:
    paths = call.params.expansions()
    call.params.finish()
    return call.render(get_charge(call.account, call.path["id"]).to_stripe(), paths)


def create_product(call: Call) -> dict[str, Any]:
    paths = check_paths("product", call.params.expansions())
    product = catalog.create_product(call.account, call.params, call.request)
    return call.render(product.to_stripe(), paths)


def retrieve_product(call: Call) -> dict[str, Any]:
    paths = call.params.expansions()
    call.params.finish()
    return call.render(catalog.get_product(call.account, call.path["id"]).to_stripe(), paths)


def list_products(call: Call) -> dict[str, Any]:
    paths = call.params.expansions(listing=True)
    page = catalog.list_products(call.account, call.params)
    return call.render(page, [["data", *path] for path in paths])


def create_price(call: Call) -> dict[str, Any]:
    paths = check_paths("price", call.params.expansions())
    price = catalog.create_price(call.account, call.params, call.request)
    return call.render(price.to_stripe(), paths)


def retrieve_price(call: Call) -> dict[str, Any]:
    paths = call.params.expansions()
    call.params.finish()
    return call.render(catalog.get_price(call.account, call.path["id"]).to_stripe(), paths)


def list_prices(call: Call) -> dict[str, Any]:
    paths = call.params.expansions(listing=True)
    page = catalog.list_prices(call.account, call.params)
    return call.render(page, [["data", *path] for path in paths])


def retrieve_event(call: Call) -> dict[str, Any]:
    paths = call.params.expansions()
    call.params.finish()
    return call.render(event_log.get_event(call.account, call.path["id"]).to_stripe(), paths)


def list_events(call: Call) -> dict[str, Any]:
    paths = call.params.expansions(listing=True)
    page = event_log.list_events(call.account, call.params)
    return call.render(page, [["data", *path] for path in paths])


def create_endpoint(call: Call) -> dict[str, Any]:
    paths = check_paths("webhook_endpoint", call.params.expansions())
    created = webhook_endpoints.create_endpoint(call.account, call.params)
    return call.render(created.to_stripe(with_secret=True), paths)  # the only one with secret


def retrieve_endpoint(call: Call) -> dict[str, Any]:
    paths = call.params.expansions()
    call.params.finish()
    found = webhook_endpoints.get_endpoint(call.account, call.path["id"])
    return call.render(found.to_stripe(), paths)


def update_endpoint(call: Call) -> dict[str, Any]:
    paths = check_paths("webhook_endpoint", call.params.expansions())
    updated = webhook_endpoints.update_endpoint(call.account, call.path["id"], call.params)
    return call.render(updated.to_stripe(), paths)


def delete_endpoint(call: Call) -> dict[str, Any]:
    call.params.finish()
    return webhook_endpoints.delete_endpoint(call.account, call.path["id"])


def list_endpoints(call: Call) -> dict[str, Any]:
    paths = call.params.expansions(listing=True)
    page = webhook_endpoints.list_endpoints(call.account, call.params)
    return call.render(page, [["data", *path] for path in paths])


def unknown_url(call: Call) -> dict[str, Any]:
    raise UnrecognizedUrl(call.path["method"], call.path["url"])


async def _unknown(request: Request) -> Response:
    request.path_params["method"] = request.method
    request.path_params["url"] = request.url.path[:500]
    return await endpoint(unknown_url)(request)


routes: list[BaseRoute] = [
    Route("/v1/checkout/sessions", endpoint(create_session), methods=["POST"]),
    Route("/v1/checkout/sessions", endpoint(list_sessions), methods=["GET"]),
    Route("/v1/checkout/sessions/{id}", endpoint(retrieve_session), methods=["GET"]),
    Route("/v1/checkout/sessions/{id}/line_items", endpoint(list_line_items), methods=["GET"]),
    Route("/v1/checkout/sessions/{id}/expire", endpoint(expire_session), methods=["POST"]),
    Route("/v1/payment_intents", endpoint(list_payment_intents), methods=["GET"]),
    Route("/v1/payment_intents/{id}", endpoint(retrieve_payment_intent), methods=["GET"]),
    Route("/v1/charges/{id}", endpoint(retrieve_charge), methods=["GET"]),
    Route("/v1/products", endpoint(create_product), methods=["POST"]),
    Route("/v1/products", endpoint(list_products), methods=["GET"]),
    Route("/v1/products/{id}", endpoint(retrieve_product), methods=["GET"]),
    Route("/v1/prices", endpoint(create_price), methods=["POST"]),
    Route("/v1/prices", endpoint(list_prices), methods=["GET"]),
    Route("/v1/prices/{id}", endpoint(retrieve_price), methods=["GET"]),
    Route("/v1/events", endpoint(list_events), methods=["GET"]),
    Route("/v1/events/{id}", endpoint(retrieve_event), methods=["GET"]),
    Route("/v1/webhook_endpoints", endpoint(create_endpoint), methods=["POST"]),
    Route("/v1/webhook_endpoints", endpoint(list_endpoints), methods=["GET"]),
    Route("/v1/webhook_endpoints/{id}", endpoint(retrieve_endpoint), methods=["GET"]),
    Route("/v1/webhook_endpoints/{id}", endpoint(update_endpoint), methods=["POST"]),
    Route("/v1/webhook_endpoints/{id}", endpoint(delete_endpoint), methods=["DELETE"]),
    # anything else under /v1, any method: Stripe's 404 (after authentication, as on Stripe)
    Route(f"/v1{{rest:{ANYTHING}}}", _unknown, methods=ALL_METHODS),
]
