"""How every ``/v1`` request is handled before and after its handler (``fake_stripe.http.api``).

Every request goes through ``endpoint``: authenticate, read the form body (capped, UTF-8),
meet the API fault rules (``fake_stripe.api_faults``: a faulted request is answered by
``api_fault_answers``, before its handler runs or, for a rule with ``processed``, after it),
replay or refuse by ``Idempotency-Key``, parse, call the model, serialise (with ``expand[]``).
Every error, a bug in the fake included, is Stripe's error JSON with ``Stripe-Should-Retry:
false``; the server keeps serving.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from fake_stripe.fault_actions import OBSERVER_HEADER
from fake_stripe.http.api_fault_answers import injected_answer
from fake_stripe.http.request_body import read_body
from fake_stripe.http.responses import stripe_error, stripe_json
from fake_stripe.objects.expansion import expand
from fake_stripe.protocol.errors import (
    AuthenticationFailed,
    IdempotencyConflict,
    InternalError,
    InvalidRequest,
    StripeError,
)
from fake_stripe.protocol.forms import decode_form
from fake_stripe.protocol.params import Params
from fake_stripe.resources.account import Account
from fake_stripe.resources.event_log import RequestContext
from fake_stripe.resources.lookups import expansion_table
from fake_stripe.service import FakeStripe

log = logging.getLogger("fake_stripe.api")
_request_ids = itertools.count(1)
MAX_BODY_BYTES = 1 << 20
MAX_IDEMPOTENCY_KEY = 255
ALL_METHODS = ["GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS"]


@dataclass
class Call:
    """One parsed API request, as the handlers see it."""

    fake: FakeStripe
    params: Params
    path: dict[str, str]
    request: RequestContext

    @property
    def account(self) -> Account:
        return self.fake.account

    def render(self, body: dict[str, Any], paths: list[list[str]]) -> dict[str, Any]:
        """``body`` with ``expand[]`` applied."""
        return expand(body, paths, expansion_table(self.account))


Handler = Callable[[Call], dict[str, Any]]


def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        fake: FakeStripe = request.app.state.fake
        request_id = f"req_{next(_request_ids):014d}"
        started = time.perf_counter()
        try:
            response = await _handle(request, fake, handler, request_id)
        except StripeError as error:
            response = stripe_error(error, request_id)
            if isinstance(error, AuthenticationFailed):
                response.headers["WWW-Authenticate"] = 'Basic realm="Stripe"'
        except Exception:  # a bug in the fake: answer like Stripe would, keep serving
            log.exception("internal error on %s %s", request.method, request.url.path)
            bug = InternalError("An unexpected error occurred in the fake (see its log).")
            response = stripe_error(bug, request_id)
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


async def _handle(
    request: Request, fake: FakeStripe, handler: Handler, request_id: str
) -> Response:
    body_size = 0
    if request.method in ("POST", "PUT", "PATCH"):
        raw, body_size = await _read_body(request)  # all of it first: then any answer is heard
    else:
        raw = request.scope.get("query_string", b"")
    _authenticate(request)
    if body_size > MAX_BODY_BYTES:
        raise InvalidRequest(
            f"Request body too large: {body_size} bytes or more; the limit is {MAX_BODY_BYTES}."
        )
    key = _idempotency_key(request)
    digest = hashlib.sha256(
        request.method.encode() + b" " + request.url.path.encode() + b" " + raw
    ).hexdigest()
    observer = request.headers.get(OBSERVER_HEADER, "").lower() == "true"
    fault = None
    if not observer:
        now = fake.clock.now()
        fault = fake.api_faults.take(request.method, request.url.path, digest, request_id, now, raw)
    if fault is None:
        return _answer(request, fake, handler, request_id, key, digest, raw)
    log.info("%s %s: injected %s (%s)", request.method, request.url.path, fault.action, fault.id)
    if fault.processed:
        with contextlib.suppress(StripeError):  # it took effect as far as it could
            _answer(request, fake, handler, request_id, key, digest, raw)
    return injected_answer(fault, request_id)


def _answer(
    request: Request,
    fake: FakeStripe,
    handler: Handler,
    request_id: str,
    key: str | None,
    digest: str,
    raw: bytes,
) -> Response:
    if key is not None:
        remembered = fake.account.idempotent_responses.get(key)
        if remembered is not None:
            return _replay(key, digest, remembered, request_id)
    params = Params(decode_form(raw))
    call = Call(fake, params, dict(request.path_params), RequestContext(request_id, key))
    try:
        body = handler(call)
    except StripeError as error:
        if key is not None and error.saved_for_idempotency:
            saved = (f"{digest} {request_id}", error.status, error.to_json(request_id))
            fake.account.idempotent_responses[key] = saved
        raise
    if key is not None:
        fake.account.idempotent_responses[key] = (f"{digest} {request_id}", 200, body)
    response = stripe_json(body, 200, request_id)
    if key is not None:
        response.headers["Idempotency-Key"] = key
    return response


def _replay(key: str, digest: str, remembered: tuple[str, int, Any], request_id: str) -> Response:
    """The first response again (``Idempotent-Replayed: true``), or an idempotency error when
    the parameters differ. The remembered fingerprint is ``"<digest> <original request id>"``."""
    fingerprint, status, body = remembered
    first_digest, _, original_request = fingerprint.partition(" ")
    if first_digest != digest:
        raise IdempotencyConflict(key)
    response = stripe_json(body, status, request_id)
    response.headers["Idempotent-Replayed"] = "true"
    response.headers["Original-Request"] = original_request
    response.headers["Idempotency-Key"] = key
    if status >= 400:
        response.headers["Stripe-Should-Retry"] = "false"
    return response


async def _read_body(request: Request) -> tuple[bytes, int]:
    """The body (at most ``MAX_BODY_BYTES`` of it) and its size: all of it is read first, so
    the client hears the 400 for a body too large."""
    try:
        body = await read_body(request, MAX_BODY_BYTES)
    except ClientDisconnect:
        raise InvalidRequest("The client went away before sending the whole body.") from None
    return body.data, body.size


def _idempotency_key(request: Request) -> str | None:
    if request.method != "POST":
        return None  # Stripe: GET and DELETE are idempotent by definition; a key does nothing
    key = request.headers.get("idempotency-key")
    if key is None or key == "":
        return None
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise InvalidRequest(
            f"Invalid Idempotency-Key: it is {len(key)} characters long; keys are at most"
            f" {MAX_IDEMPOTENCY_KEY}.",
            param="Idempotency-Key",
        )
    return key


def _authenticate(request: Request) -> None:
    """``Authorization: Bearer sk_test_...`` (or HTTP Basic with the key as user, as ``curl -u``
    sends it)."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    key = credentials.strip()
    if scheme.lower() == "basic":
        try:
            key = base64.b64decode(key, validate=True).decode().partition(":")[0]
        except ValueError:  # not base64, or not UTF-8 inside
            key = ""
    elif scheme.lower() != "bearer":
        key = ""
    if not key:
        raise AuthenticationFailed(
            "You did not provide an API key. You need to provide your API key in the"
            " Authorization header, using Bearer auth"
            " (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#"
            "authentication for details, or we can help at https://support.stripe.com/."
        )
    if not key.startswith(("sk_test_", "rk_test_")) or len(key) > 255:
        shown = f"{key[:8]}{'*' * max(0, min(len(key), 64) - 12)}{key[-4:]}"
        raise AuthenticationFailed(
            f"Invalid API Key provided: {shown}. The fake takes test-mode secret keys"
            " (sk_test_... or rk_test_...) only."
        )
