"""``/_control``: the test-only API (a contract: README.md documents it).

JSON in, JSON out; errors are ``{"error": {"message": ...}}`` with a 4xx status.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fake_stripe import checkout, event_log, webhook_endpoints
from fake_stripe.clock import SettleTimeout
from fake_stripe.errors import StripeError
from fake_stripe.payments import (
    CardPayment,
    DebitPayment,
    PaymentOutcome,
    complete_authentication,
    pay_session,
)
from fake_stripe.service import FakeStripe
from fake_stripe.webhooks.faults import FaultSpecError

DEFAULT_WAIT = 30.0


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
        data = json.loads(body)
    except json.JSONDecodeError as error:
        raise ControlError(f"body is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise ControlError("body must be a JSON object")
    return data


def _number(data: dict[str, Any], key: str, default: float | None = None) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ControlError(f"{key} must be a number of seconds")
    return float(value)


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
        if isinstance(result, Response):
            return result
        return JSONResponse(result)

    return run


async def reset(request: Request, fake: FakeStripe) -> Any:
    data = await _json(request)
    seed = data.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise ControlError("seed must be a whole number")
    fake.reset(seed=seed, keep_endpoints=not data.get("endpoints", False))
    return {"reset": True, "seed": fake.account.seed, "endpoints": len(fake.account.endpoints)}


async def list_faults(request: Request, fake: FakeStripe) -> Any:
    return {
        "data": [rule.to_json() for rule in fake.faults.rules.values()],
        "injected": dict(fake.faults.injected),
    }


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
    seconds = _number(data, "seconds")
    if seconds < 0:
        raise ControlError("time never runs backwards: seconds must be >= 0")
    try:
        await fake.scheduler.advance(seconds, timeout=_number(data, "timeout", DEFAULT_WAIT))
    except SettleTimeout as error:
        raise ControlError(f"advanced, but work was still running: {error}", 504) from None
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
        await fake.scheduler.settle(_number(data, "timeout", DEFAULT_WAIT))
    except SettleTimeout as error:
        raise ControlError(str(error), 504) from None
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
    return {"released": [d.id for d in released]}


async def pay(request: Request, fake: FakeStripe) -> Any:
    data = await _json(request)
    session_id = request.path_params["id"]
    method = data.get("method", "card")
    payment: CardPayment | DebitPayment
    if method == "card":
        payment = CardPayment(
            number=str(data.get("card", "4242424242424242")),
            expiry=str(data.get("expiry", "12/34")),
            cvc=str(data.get("cvc", "123")),
            email=data.get("email"),
            name=data.get("name"),
        )
    else:
        payment = DebitPayment(
            method=str(method),
            account_number=str(data.get("account_number", "00012345")),
            email=data.get("email"),
            name=data.get("name"),
        )
    outcome = pay_session(
        fake.account, session_id, payment, settle_after=fake.settings.settle_after
    )
    three_d_secure = data.get("three_d_secure")
    if outcome.status == "requires_action" and three_d_secure in ("pass", "fail"):
        first_events = outcome.events
        outcome = complete_authentication(fake.account, session_id, passed=three_d_secure == "pass")
        outcome.events[:0] = first_events
    if data.get("wait_for_webhook", True):
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
    event = event_log.get_event(fake.account, request.path_params["id"])
    deliveries = fake.dispatcher.resend(event, data.get("endpoint"))
    if not deliveries:
        raise ControlError("no endpoint to resend to", 404)
    return {"deliveries": [d.id for d in deliveries]}


async def roll_secret(request: Request, fake: FakeStripe) -> Any:
    data = await _json(request)
    overlap = _number(data, "overlap_seconds", 24 * 60 * 60)
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


routes = [
    Route("/_control/health", control(health), methods=["GET"]),
    Route("/_control/reset", control(reset), methods=["POST"]),
    Route("/_control/faults", control(list_faults), methods=["GET"]),
    Route("/_control/faults", control(add_fault), methods=["POST"]),
    Route("/_control/faults", control(clear_faults), methods=["DELETE"]),
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
]
