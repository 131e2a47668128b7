"""``/_control``: the test-only API (a contract: README.md documents it).

JSON in, JSON out; errors are ``{"error": {"message": ...}}`` with a 4xx status.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route

from fake_stripe.clock import SettleTimeout
from fake_stripe.fault_actions import FAULT_ACTIONS
from fake_stripe.protocol.errors import StripeError
from fake_stripe.resources import checkout, event_log, webhook_endpoints
from fake_stripe.resources.payments import (
    CardPayment,
    DebitPayment,
    PaymentOutcome,
    complete_authentication,
    pay_session,
)
from fake_stripe.service import FakeStripe
from fake_stripe.webhooks.faults import FaultSpecError

log = logging.getLogger("fake_stripe.control")
DEFAULT_WAIT = 30.0
MAX_ADVANCE = 10 * 366 * 24 * 60 * 60  # seconds: ten years is further than any test needs


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _fake(request: Request) -> FakeStripe:
    fake: FakeStripe = request.app.state.fake
    return fake


async def _json(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body.strip():
        return {}
    try:
        data = json.loads(body, parse_constant=_not_a_number)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ControlError(f"body is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise ControlError("body must be a JSON object")
    return data


def _not_a_number(constant: str) -> None:
    raise ControlError(f"body is not JSON: {constant} is not a number JSON allows")


def _number(
    data: dict[str, Any],
    key: str,
    default: float | None = None,
    *,
    minimum: float = 0.0,
    maximum: float = math.inf,
    positive: bool = False,
) -> float:
    """A finite number of seconds from ``minimum`` (exclusive when ``positive``) to
    ``maximum``."""
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ControlError(f"{key} must be a number of seconds")
    number = float(value)
    too_small = number <= minimum if positive else number < minimum
    if not math.isfinite(number) or too_small or number > maximum:
        bound = f"more than {minimum:g}" if positive else f"at least {minimum:g}"
        upper = f" and at most {maximum:g}" if math.isfinite(maximum) else ""
        raise ControlError(f"{key} must be {bound}{upper} seconds; got {value!r}")
    return number


def _text(data: dict[str, Any], key: str, default: str | None = None) -> str | None:
    value = data.get(key, default)
    if value is not None and not isinstance(value, str):
        raise ControlError(f"{key} must be a string")
    return value


def _flag(data: dict[str, Any], key: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ControlError(f"{key} must be true or false")
    return value


def control(handler: Any) -> Any:
    async def run(request: Request) -> Response:
        try:
            result = await handler(request, _fake(request))
        except ControlError as error:
            return JSONResponse({"error": {"message": error.message}}, status_code=error.status)
        except StripeError as error:
            return JSONResponse(error.to_json(), status_code=error.status)
        except FaultSpecError as error:
            return JSONResponse({"error": {"message": str(error)}}, status_code=400)
        except Exception:  # a bug in the fake: say so in JSON, keep serving
            log.exception("internal error on %s %s", request.method, request.url.path)
            message = "internal error in the fake (see its log)"
            return JSONResponse({"error": {"message": message}}, status_code=500)
        if isinstance(result, Response):
            return result
        return JSONResponse(result)

    return run


async def reset(request: Request, fake: FakeStripe) -> Any:
    data = await _json(request)
    seed = data.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise ControlError("seed must be a whole number")
    fake.reset(seed=seed, keep_endpoints=not _flag(data, "endpoints", False))
    return {"reset": True, "seed": fake.account.seed, "endpoints": len(fake.account.endpoints)}


async def list_faults(request: Request, fake: FakeStripe) -> Any:
    return {
        "data": [rule.to_json() for rule in fake.faults.rules.values()],
        "injected": dict(fake.faults.injected),
    }


async def list_fault_actions(request: Request, fake: FakeStripe) -> Any:
    """The fault vocabulary, for apps and tools in any language."""
    return {"data": [action.to_json() for action in FAULT_ACTIONS]}


async def add_fault(request: Request, fake: FakeStripe) -> Any:
    rule = fake.faults.add(await _json(request))
    return JSONResponse(rule.to_json(), status_code=201)


async def clear_faults(request: Request, fake: FakeStripe) -> Any:
    count = len(fake.faults.rules)
    fake.faults.clear()
    return {"deleted": count}


async def get_fault(request: Request, fake: FakeStripe) -> Any:
    rule = fake.faults.rules.get(request.path_params["id"])
    if rule is None:
        raise ControlError(f"no fault rule {request.path_params['id']}", 404)
    return rule.to_json()


async def delete_fault(request: Request, fake: FakeStripe) -> Any:
    rule = fake.faults.remove(request.path_params["id"])
    if rule is None:
        raise ControlError(f"no fault rule {request.path_params['id']}", 404)
    return {"deleted": rule.id}


def _clock_json(fake: FakeStripe) -> dict[str, Any]:
    return {
        "now": fake.clock.now(),
        "timestamp": fake.clock.timestamp(),
        "offset": fake.clock.offset,
        "retry_schedule": fake.settings.retry_schedule.to_json(),
    }


async def get_clock(request: Request, fake: FakeStripe) -> Any:
    return _clock_json(fake)


async def advance_clock(request: Request, fake: FakeStripe) -> Any:
    data = await _json(request)
    if "seconds" not in data:
        raise ControlError("seconds is required: how far to move the clock forward")
    seconds = _number(data, "seconds", maximum=MAX_ADVANCE)  # time never runs backwards
    timeout = _number(data, "timeout", DEFAULT_WAIT, positive=True)
    try:
        await fake.scheduler.advance(seconds, timeout=timeout)
    except SettleTimeout as error:
        message = f"the clock stopped at {fake.clock.now():.3f}, short of the target: {error}"
        raise ControlError(message, 504) from None
    return _clock_json(fake)


async def list_deliveries(request: Request, fake: FakeStripe) -> Any:
    query = request.query_params
    attempts = [
        a.to_json()
        for a in fake.dispatcher.attempts
        if all(
            query.get(key) in (None, a.to_json()[key])
            for key in ("event_id", "event_type", "object_id", "endpoint_id")
        )
    ]
    pending = [d.to_json() for d in fake.dispatcher.pending()]
    return {"attempts": attempts, "pending": pending}


async def settle(request: Request, fake: FakeStripe) -> Any:
    data = await _json(request)
    try:
        await fake.scheduler.settle(_number(data, "timeout", DEFAULT_WAIT, positive=True))
    except SettleTimeout as error:
        raise ControlError(f"not settled: {error}", 504) from None
    pending = fake.dispatcher.pending()
    return {
        "settled": True,
        "held": sum(1 for d in pending if d.state in ("held", "waiting")),
        "scheduled": sum(1 for d in pending if d.state == "scheduled"),
        "next_due": min((d.due for d in pending if d.due and d.state == "scheduled"), default=None),
    }


async def release(request: Request, fake: FakeStripe) -> Any:
    data = await _json(request)
    ids = data.get("ids")
    if ids is not None and not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
        raise ControlError("ids must be a list of delivery ids (from GET /_control/deliveries)")
    try:
        released = fake.dispatcher.release(ids)
    except KeyError as error:
        raise ControlError(f"no held delivery {error.args[0]}", 404) from None
    except ValueError as error:
        raise ControlError(str(error)) from None
    return {"released": [d.id for d in released]}


async def pay(request: Request, fake: FakeStripe) -> Any:
    data = await _json(request)
    session_id = request.path_params["id"]
    method = _text(data, "method") or "card"
    email, name = _text(data, "email"), _text(data, "name")
    three_d_secure = _text(data, "three_d_secure")
    if three_d_secure not in (None, "pass", "fail"):
        raise ControlError('three_d_secure must be "pass", "fail" or null')
    payment: CardPayment | DebitPayment
    if method == "card":
        payment = CardPayment(
            number=_text(data, "card", "4242424242424242") or "",
            expiry=_text(data, "expiry", "12/34") or "",
            cvc=_text(data, "cvc", "123") or "",
            email=email,
            name=name,
        )
    else:
        payment = DebitPayment(
            method=str(method),
            account_number=_text(data, "account_number", "00012345") or "",
            email=email,
            name=name,
        )
    wait = _flag(data, "wait_for_webhook", True)
    outcome = pay_session(
        fake.account, session_id, payment, settle_after=fake.settings.settle_after
    )
    if outcome.status == "requires_action" and three_d_secure is not None:
        first_events = outcome.events
        outcome = complete_authentication(fake.account, session_id, passed=three_d_secure == "pass")
        outcome.events[:0] = first_events
    if wait:
        await wait_for_completed_webhook(fake, outcome)
    return outcome_json(outcome)


async def wait_for_completed_webhook(fake: FakeStripe, outcome: PaymentOutcome) -> None:
    """As hosted Checkout does before redirecting: wait (up to ``checkout_wait``) for the first
    attempt of ``checkout.session.completed`` to be answered."""
    completed = [e for e in outcome.events if e.type == "checkout.session.completed"]
    if completed:
        await fake.dispatcher.wait_first_answers(completed, fake.settings.checkout_wait)


def outcome_json(outcome: PaymentOutcome) -> dict[str, Any]:
    return {
        "status": outcome.status,
        "message": outcome.message,
        "field": outcome.invalid_field,
        "redirect_url": outcome.redirect_url,
        "session": outcome.session.to_stripe(),
        "events": [{"id": e.id, "type": e.type} for e in outcome.events],
    }


async def resend(request: Request, fake: FakeStripe) -> Any:
    data = await _json(request)
    endpoint_id = _text(data, "endpoint")
    event = event_log.get_event(fake.account, request.path_params["id"])
    if endpoint_id is not None:
        webhook_endpoints.get_endpoint(fake.account, endpoint_id)  # 404 when there is none
    deliveries = fake.dispatcher.resend(event, endpoint_id)
    if not deliveries:
        raise ControlError(f"no enabled endpoint is subscribed to {event.type}", 404)
    return {"deliveries": [d.id for d in deliveries]}


async def roll_secret(request: Request, fake: FakeStripe) -> Any:
    data = await _json(request)
    overlap = _number(data, "overlap_seconds", 24 * 60 * 60, maximum=MAX_ADVANCE)
    endpoint = webhook_endpoints.roll_secret(fake.account, request.path_params["id"], overlap)
    return {
        "id": endpoint.id,
        "secret": endpoint.secret,
        "signing_secrets": list(endpoint.secrets),
        "previous_secret_expires_at": endpoint.previous_secret_expires_at,
    }


async def expire(request: Request, fake: FakeStripe) -> Any:
    session = checkout.expire_session(fake.account, request.path_params["id"])
    return session.to_stripe()


async def health(request: Request, fake: FakeStripe) -> Any:
    return {"ok": True, "seed": fake.account.seed, "public_url": fake.account.public_url}


async def unknown(request: Request) -> Response:
    """Anything else under ``/_control``: a JSON 405 for a known path, else a JSON 404."""
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
        return JSONResponse({"error": {"message": message}}, status_code=405)
    message = f"no control endpoint {request.method} {request.url.path}"
    return JSONResponse({"error": {"message": message}}, status_code=404)


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
    Route("/_control/clock", control(get_clock), methods=["GET"]),
    Route("/_control/clock/advance", control(advance_clock), methods=["POST"]),
    Route("/_control/deliveries", control(list_deliveries), methods=["GET"]),
    Route("/_control/deliveries/settle", control(settle), methods=["POST"]),
    Route("/_control/deliveries/release", control(release), methods=["POST"]),
    Route("/_control/checkout/sessions/{id}/pay", control(pay), methods=["POST"]),
    Route("/_control/checkout/sessions/{id}/expire", control(expire), methods=["POST"]),
    Route("/_control/events/{id}/resend", control(resend), methods=["POST"]),
    Route("/_control/webhook_endpoints/{id}/roll_secret", control(roll_secret), methods=["POST"]),
    Route("/_control/{rest:path}", unknown, methods=ANY_METHOD),
]
