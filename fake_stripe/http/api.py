"""``/v1``: the Stripe API the official SDKs talk to, unchanged."""

from __future__ import annotations

import hashlib
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fake_stripe import catalog, checkout, event_log, webhook_endpoints
from fake_stripe.errors import (
    AuthenticationFailed,
    IdempotencyConflict,
    InvalidRequest,
    ResourceMissing,
    StripeError,
)
from fake_stripe.forms import decode_form
from fake_stripe.http.responses import stripe_error, stripe_json
from fake_stripe.listing import paginate, read_page_params
from fake_stripe.params import Params
from fake_stripe.service import FakeStripe

log = logging.getLogger("fake_stripe.api")
_request_ids = itertools.count(1)
MAX_BODY_BYTES = 1 << 20


@dataclass
class Call:
    fake: FakeStripe
    params: Params
    path: dict[str, str]

    @property
    def account(self) -> Any:
        return self.fake.account

    def expand(self) -> list[str]:
        return self.params.strings("expand") or []


Handler = Callable[[Call], Any]


def endpoint(handler: Handler) -> Callable[[Request], Any]:
    async def run(request: Request) -> Response:
        fake: FakeStripe = request.app.state.fake
        request_id = f"req_{next(_request_ids):014d}"
        started = time.perf_counter()
        try:
            response = await _handle(request, fake, handler, request_id)
        except StripeError as error:
            response = stripe_error(error, request_id)
        except Exception:  # a bug in the fake: answer like Stripe would, keep serving
            log.exception("internal error on %s %s", request.method, request.url.path)
            response = stripe_error(
                _InternalError("An unexpected error occurred in the fake (see its log)."),
                request_id,
            )
        log.info(
            "%s %s -> %d in %.1f ms (%s)",
            request.method,
            request.url.path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
            request_id,
        )
        return response

    return run


class _InternalError(StripeError):
    status = 500
    error_type = "api_error"


async def _handle(
    request: Request, fake: FakeStripe, handler: Handler, request_id: str
) -> Response:
    _authenticate(request)
    if request.method == "GET" or request.method == "DELETE":
        raw = request.url.query
    else:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            raise InvalidRequest("Request body too large.")
        raw = body.decode("utf-8", errors="replace")
    key = request.headers.get("idempotency-key") if request.method == "POST" else None
    fingerprint = hashlib.sha256(f"{request.method} {request.url.path} {raw}".encode()).hexdigest()
    if key is not None:
        remembered = fake.account.idempotent_responses.get(key)
        if remembered is not None:
            if remembered[0] != fingerprint:
                raise IdempotencyConflict(key)
            response = stripe_json(remembered[2], remembered[1], request_id)
            response.headers["Idempotent-Replayed"] = "true"
            return response
    call = Call(fake, Params(decode_form(raw)), dict(request.path_params))
    try:
        body_json = handler(call)
        status = 200
    except StripeError as error:
        if key is not None and error.status < 500:  # Stripe replays errors for the same key too
            fake.account.idempotent_responses[key] = (fingerprint, error.status, error.to_json())
        raise
    if key is not None:
        fake.account.idempotent_responses[key] = (fingerprint, status, body_json)
    return stripe_json(body_json, status, request_id)


def _authenticate(request: Request) -> None:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key:
        raise AuthenticationFailed(
            "You did not provide an API key. You need to provide your API key in the"
            " Authorization header, using Bearer auth"
            " (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
        )
    if not key.startswith(("sk_test_", "rk_test_")):
        raise AuthenticationFailed(
            f"Invalid API Key provided: {key[:8]}{'*' * max(0, len(key) - 12)}{key[-4:]}."
            " The fake accepts test-mode secret keys (sk_test_...) only."
        )


# -- handlers: parse, call the model, serialise --------------------------------------------------


def create_session(call: Call) -> Any:
    session = checkout.create_session(call.account, call.params)
    return checkout.serialise_session(session, call.params.strings("expand") or [], call.account)


def retrieve_session(call: Call) -> Any:
    expand = call.expand()
    call.params.finish()
    session = checkout.get_session(call.account, call.path["id"])
    return checkout.serialise_session(session, expand, call.account)


def list_sessions(call: Call) -> Any:
    limit, after, before = read_page_params(call.params)
    payment_intent = call.params.string("payment_intent")
    status = call.params.choice("status", ["open", "complete", "expired"])
    expand = [e.removeprefix("data.") for e in call.expand()]
    call.params.finish()
    sessions = [
        s
        for s in reversed(call.account.sessions.values())
        if (payment_intent is None or s.payment_intent == payment_intent)
        and (status is None or s.status == status)
    ]
    return paginate(
        sessions,
        lambda s: s.id,
        limit=limit,
        starting_after=after,
        ending_before=before,
        url="/v1/checkout/sessions",
        kind="checkout.session",
        serialise=lambda s: checkout.serialise_session(s, expand, call.account),
    )


def list_line_items(call: Call) -> Any:
    limit, _, _ = read_page_params(call.params)
    call.expand()
    call.params.finish()
    session = checkout.get_session(call.account, call.path["id"])
    return checkout.line_items_page(session, limit=limit)


def expire_session(call: Call) -> Any:
    call.expand()
    call.params.finish()
    return checkout.expire_session(call.account, call.path["id"]).to_stripe()


def retrieve_payment_intent(call: Call) -> Any:
    call.expand()
    call.params.finish()
    intent = call.account.payment_intents.get(call.path["id"])
    if intent is None:
        raise ResourceMissing("payment_intent", call.path["id"], param="intent")
    return intent.to_stripe()


def list_payment_intents(call: Call) -> Any:
    limit, after, before = read_page_params(call.params)
    call.expand()
    call.params.finish()
    return paginate(
        list(reversed(call.account.payment_intents.values())),
        lambda pi: pi.id,
        limit=limit,
        starting_after=after,
        ending_before=before,
        url="/v1/payment_intents",
        kind="payment_intent",
        serialise=lambda pi: pi.to_stripe(),
    )


def retrieve_charge(call: Call) -> Any:
    call.expand()
    call.params.finish()
    charge = call.account.charges.get(call.path["id"])
    if charge is None:
        raise ResourceMissing("charge", call.path["id"], param="charge")
    return charge.to_stripe()


def create_product(call: Call) -> Any:
    call.expand()
    return catalog.create_product(call.account, call.params).to_stripe()


def retrieve_product(call: Call) -> Any:
    call.expand()
    call.params.finish()
    return catalog.get_product(call.account, call.path["id"]).to_stripe()


def list_products(call: Call) -> Any:
    return _list_all(call, call.account.products, "/v1/products", "product")


def create_price(call: Call) -> Any:
    call.expand()
    return catalog.create_price(call.account, call.params).to_stripe()


def retrieve_price(call: Call) -> Any:
    call.expand()
    call.params.finish()
    return catalog.get_price(call.account, call.path["id"]).to_stripe()


def list_prices(call: Call) -> Any:
    return _list_all(call, call.account.prices, "/v1/prices", "price")


def retrieve_event(call: Call) -> Any:
    call.expand()
    call.params.finish()
    return event_log.get_event(call.account, call.path["id"]).to_stripe()


def list_events(call: Call) -> Any:
    call.expand()
    return event_log.list_events(call.account, call.params)


def create_endpoint(call: Call) -> Any:
    call.expand()
    endpoint = webhook_endpoints.create_endpoint(call.account, call.params)
    return endpoint.to_stripe(with_secret=True)  # the only response that carries the secret


def retrieve_endpoint(call: Call) -> Any:
    call.expand()
    call.params.finish()
    return webhook_endpoints.get_endpoint(call.account, call.path["id"]).to_stripe()


def update_endpoint(call: Call) -> Any:
    call.expand()
    return webhook_endpoints.update_endpoint(call.account, call.path["id"], call.params).to_stripe()


def delete_endpoint(call: Call) -> Any:
    call.params.finish()
    return webhook_endpoints.delete_endpoint(call.account, call.path["id"])


def list_endpoints(call: Call) -> Any:
    call.expand()
    return webhook_endpoints.list_endpoints(call.account, call.params)


def unknown_url(call: Call) -> Any:
    raise InvalidRequest(
        f"Unrecognized request URL ({call.path['method']}: /v1/{call.path['rest']})"
    )


def _list_all(call: Call, registry: dict[str, Any], url: str, kind: str) -> Any:
    limit, after, before = read_page_params(call.params)
    call.expand()
    call.params.boolean("active")
    call.params.finish()
    return paginate(
        list(reversed(registry.values())),
        lambda obj: obj.id,
        limit=limit,
        starting_after=after,
        ending_before=before,
        url=url,
        kind=kind,
        serialise=lambda obj: obj.to_stripe(),
    )


async def _unknown(request: Request) -> Response:
    request.path_params["method"] = request.method
    return await endpoint(unknown_url)(request)  # type: ignore[no-any-return]


routes = [
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
    Route("/v1/{rest:path}", _unknown, methods=["GET", "POST", "DELETE"]),
]
