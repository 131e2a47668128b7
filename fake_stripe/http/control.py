"""``/_control``: the test-only API (a contract: docs/control-api.md documents it).

JSON in, JSON out; errors are ``{"error": {"message": ...}}`` with a 4xx status (504 when a wait
runs out). ``control_pipeline`` reads every request and answers every error; paying and expiring
a session are in ``control_payments``. Each handler here parses, calls and serialises.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match, Route

from fake_stripe.clock import MAX_SECONDS, SettleTimeout
from fake_stripe.fault_actions import API_FAULT_ACTIONS, FAULT_ACTIONS
from fake_stripe.http.control_payments import expire, pay
from fake_stripe.http.control_pipeline import (
    DEFAULT_WAIT,
    ControlCall,
    ControlError,
    control,
    flag,
    number,
    text,
    whole_number,
)
from fake_stripe.http.paths import ANYTHING
from fake_stripe.resources import event_log, webhook_endpoints
from fake_stripe.service import FakeStripe
from fake_stripe.webhooks.signing import signature_header

SEEDS = (-(2**63), 2**63 - 1)  # a seed any language's client can hold: 64 bits, signed


async def reset(call: ControlCall) -> Any:
    """Without a seed the ids keep coming from the same stream (never one handed out before);
    with one they replay as a fresh fake's with that seed would."""
    data = call.json()
    seed = whole_number(data, "seed", minimum=SEEDS[0], maximum=SEEDS[1])
    fake = call.fake
    fake.reset(seed=seed, keep_endpoints=not flag(data, "endpoints", False))
    return {"reset": True, "seed": fake.account.seed, "endpoints": len(fake.account.endpoints)}


async def list_faults(call: ControlCall) -> Any:
    faults = call.fake.faults
    return {
        "data": [rule.to_json() for rule in faults.rules.values()],
        "injected": dict(faults.injected),
    }


async def list_fault_actions(call: ControlCall) -> Any:
    """The fault vocabulary, for apps and tools in any language."""
    return {"data": [action.to_json() for action in FAULT_ACTIONS]}


async def add_fault(call: ControlCall) -> Any:
    rule = call.fake.faults.add(call.json())
    return JSONResponse(rule.to_json(), status_code=201)


async def clear_faults(call: ControlCall) -> Any:
    count = len(call.fake.faults.rules)
    call.fake.faults.clear()
    return {"deleted": count}


async def get_fault(call: ControlCall) -> Any:
    rule = call.fake.faults.rules.get(call.path["id"])
    if rule is None:
        raise ControlError(f"no fault rule {call.path['id']}", 404)
    return rule.to_json()


async def delete_fault(call: ControlCall) -> Any:
    rule = call.fake.faults.remove(call.path["id"])
    if rule is None:
        raise ControlError(f"no fault rule {call.path['id']}", 404)
    return {"deleted": rule.id}


async def list_api_faults(call: ControlCall) -> Any:
    book = call.fake.api_faults
    return {
        "data": [rule.to_json() for rule in book.rules.values()],
        "injected": dict(book.injected),
    }


async def list_api_fault_actions(call: ControlCall) -> Any:
    return {"data": [action.to_json() for action in API_FAULT_ACTIONS]}


async def list_api_fault_hits(call: ControlCall) -> Any:
    """Every request a rule faulted since the last reset (the latest 10,000), oldest first."""
    return {"data": [hit.to_json() for hit in call.fake.api_faults.hits]}


async def add_api_fault(call: ControlCall) -> Any:
    rule = call.fake.api_faults.add(call.json())
    return JSONResponse(rule.to_json(), status_code=201)


async def clear_api_faults(call: ControlCall) -> Any:
    count = len(call.fake.api_faults.rules)
    call.fake.api_faults.clear()
    return {"deleted": count}


async def get_api_fault(call: ControlCall) -> Any:
    rule = call.fake.api_faults.rules.get(call.path["id"])
    if rule is None:
        raise ControlError(f"no API fault rule {call.path['id']}", 404)
    return rule.to_json()


async def delete_api_fault(call: ControlCall) -> Any:
    rule = call.fake.api_faults.remove(call.path["id"])
    if rule is None:
        raise ControlError(f"no API fault rule {call.path['id']}", 404)
    return {"deleted": rule.id}


def _clock_json(fake: FakeStripe) -> dict[str, Any]:
    return {
        "now": fake.clock.now(),
        "timestamp": fake.clock.timestamp(),
        "offset": fake.clock.offset,
        "retry_schedule": fake.settings.retry_schedule.to_json(),
    }


async def get_clock(call: ControlCall) -> Any:
    return _clock_json(call.fake)


MAX_TOGETHER = 64  # timers whose work an advance may run at once (Scheduler.advance)


async def advance_clock(call: ControlCall) -> Any:
    data, fake = call.json(), call.fake
    if "seconds" not in data:
        raise ControlError("seconds is required: how far to move the clock forward")
    seconds = number(data, "seconds", maximum=MAX_SECONDS)  # time never runs backwards
    timeout = number(data, "timeout", DEFAULT_WAIT, positive=True)
    together = whole_number(data, "together", minimum=1, maximum=MAX_TOGETHER) or 1
    try:
        await fake.scheduler.advance(seconds, timeout=timeout, together=together)
    except SettleTimeout as error:
        message = f"the clock stopped at {fake.clock.now():.3f}, short of the target: {error}"
        raise ControlError(message, 504) from None
    return _clock_json(fake)


async def list_deliveries(call: ControlCall) -> Any:
    query, dispatcher = call.request.query_params, call.fake.dispatcher
    wanted = {
        key: query[key]
        for key in ("event_id", "event_type", "object_id", "endpoint_id")
        if key in query
    }
    shown = (attempt.to_json() for attempt in dispatcher.attempts)  # each once: thousands
    attempts = [a for a in shown if all(a[key] == value for key, value in wanted.items())]
    pending = [d.to_json() for d in dispatcher.pending()]
    return {"attempts": attempts, "pending": pending}


async def settle(call: ControlCall) -> Any:
    timeout = number(call.json(), "timeout", DEFAULT_WAIT, positive=True)
    fake = call.fake
    try:
        await fake.scheduler.settle(timeout)
    except SettleTimeout as error:
        raise ControlError(f"not settled: {error}", 504) from None
    pending = fake.dispatcher.pending()
    return {
        "settled": True,
        "held": sum(1 for d in pending if d.state in ("held", "waiting")),
        "scheduled": sum(1 for d in pending if d.state == "scheduled"),
        "next_due": min((d.due for d in pending if d.due and d.state == "scheduled"), default=None),
    }


async def release(call: ControlCall) -> Any:
    ids = call.json().get("ids")
    if ids is not None and not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
        raise ControlError("ids must be a list of delivery ids (from GET /_control/deliveries)")
    try:
        released = call.fake.dispatcher.release(ids)
    except KeyError as error:
        raise ControlError(f"no held delivery {error.args[0]}", 404) from None
    except ValueError as error:
        raise ControlError(str(error)) from None
    return {"released": [d.id for d in released]}


async def resend(call: ControlCall) -> Any:
    endpoint_id, fake = text(call.json(), "endpoint"), call.fake
    event = event_log.get_event(fake.account, call.path["id"])
    if endpoint_id is not None:
        webhook_endpoints.get_endpoint(fake.account, endpoint_id)  # 404 when there is none
    deliveries = fake.dispatcher.resend(event, endpoint_id)
    if not deliveries:
        raise ControlError(f"no enabled endpoint is subscribed to {event.type}", 404)
    return {"deliveries": [d.id for d in deliveries]}


async def roll_secret(call: ControlCall) -> Any:
    overlap = number(call.json(), "overlap_seconds", 24 * 60 * 60, maximum=MAX_SECONDS)
    endpoint = webhook_endpoints.roll_secret(call.fake.account, call.path["id"], overlap)
    return {
        "id": endpoint.id,
        "secret": endpoint.secret,
        "signing_secrets": list(endpoint.secrets),
        "previous_secret_expires_at": endpoint.previous_secret_expires_at,
    }


async def sign(call: ControlCall) -> Any:
    """What a delivery to this endpoint of these bytes (``payload``, or the ``event``'s own),
    signed ``signed_seconds_ago`` seconds ago, looks like: for tests that send forged,
    replayed or lying events themselves. The secret stays here, as it stays at Stripe; real
    Stripe has nothing like this call."""
    data, account = call.json(), call.fake.account
    endpoint = webhook_endpoints.get_endpoint(account, call.path["id"])
    payload, event_id = text(data, "payload"), text(data, "event")
    if (payload is None) == (event_id is None):
        raise ControlError("send exactly one of payload (the body to sign) and event (its id)")
    body = event_log.get_event(account, event_id).payload() if event_id else str(payload).encode()
    age = number(data, "signed_seconds_ago", 0, maximum=MAX_SECONDS)
    timestamp = int(time.time() - age)  # the wall clock, as every delivery's signature
    secrets = webhook_endpoints.signing_secrets(account, endpoint)
    return {
        "url": endpoint.url,
        "payload": body.decode(),
        "stripe_signature": signature_header(body, secrets, timestamp),
        "timestamp": timestamp,
    }


async def health(call: ControlCall) -> Any:
    account = call.fake.account
    return {"ok": True, "seed": account.seed, "public_url": account.public_url}


async def unknown(call: ControlCall) -> Any:
    """Anything else under ``/_control``: a JSON 405 for a known path, else a JSON 404 (its
    body read all the same, so a client still sending hears the answer)."""
    request = call.request
    allowed = sorted(
        {  # a set: two routes may match the path (/faults/actions and /faults/{id}) by GET
            method
            for route in routes
            if isinstance(route, Route) and route.matches(request.scope)[0] is Match.PARTIAL
            for method in route.methods or ()
            if method != "HEAD"
        }
    )
    if allowed:
        message = f"{request.method} is not allowed on {request.url.path}; use {', '.join(allowed)}"
        raise ControlError(message, 405)
    raise ControlError(f"no control endpoint {request.method} {request.url.path}", 404)


ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
routes: list[BaseRoute] = [
    Route("/_control/health", control(health), methods=["GET"]),
    Route("/_control/reset", control(reset), methods=["POST"]),
    Route("/_control/faults", control(list_faults), methods=["GET"]),
    Route("/_control/faults", control(add_fault), methods=["POST"]),
    Route("/_control/faults", control(clear_faults), methods=["DELETE"]),
    Route("/_control/faults/actions", control(list_fault_actions), methods=["GET"]),
    Route("/_control/faults/{id}", control(get_fault), methods=["GET"]),
    Route("/_control/faults/{id}", control(delete_fault), methods=["DELETE"]),
    Route("/_control/api_faults", control(list_api_faults), methods=["GET"]),
    Route("/_control/api_faults", control(add_api_fault), methods=["POST"]),
    Route("/_control/api_faults", control(clear_api_faults), methods=["DELETE"]),
    Route("/_control/api_faults/actions", control(list_api_fault_actions), methods=["GET"]),
    Route("/_control/api_faults/hits", control(list_api_fault_hits), methods=["GET"]),
    Route("/_control/api_faults/{id}", control(get_api_fault), methods=["GET"]),
    Route("/_control/api_faults/{id}", control(delete_api_fault), methods=["DELETE"]),
    Route("/_control/clock", control(get_clock), methods=["GET"]),
    Route("/_control/clock/advance", control(advance_clock), methods=["POST"]),
    Route("/_control/deliveries", control(list_deliveries), methods=["GET"]),
    Route("/_control/deliveries/settle", control(settle), methods=["POST"]),
    Route("/_control/deliveries/release", control(release), methods=["POST"]),
    Route("/_control/checkout/sessions/{id}/pay", control(pay), methods=["POST"]),
    Route("/_control/checkout/sessions/{id}/expire", control(expire), methods=["POST"]),
    Route("/_control/events/{id}/resend", control(resend), methods=["POST"]),
    Route("/_control/webhook_endpoints/{id}/roll_secret", control(roll_secret), methods=["POST"]),
    Route("/_control/webhook_endpoints/{id}/sign", control(sign), methods=["POST"]),
    Route(f"/_control/{{rest:{ANYTHING}}}", control(unknown), methods=ANY_METHOD),
]
