"""CSRF protection for everything the browser posts with the session cookie.

A per-session token (``session["csrf_token"]``) goes into every form as a hidden field
(``csrf_token``) or, from the page's own scripts, into an ``X-CSRF-Token`` header. A small pure
ASGI middleware checks it on every unsafe request before the route runs and answers 403 with the
reason when it is missing or wrong.

Not checked, because no browser can be tricked into sending them:

- requests authenticated by ``Authorization: Bearer <org API token>`` (scripts, not cookies);
- requests that carry no session at all: they have no ambient authority to abuse (the endpoint
  answers 401); the login form is checked anyway, against login CSRF;
- ``POST /api/webhooks/stripe``: Stripe signs its deliveries; that signature is its protection.

Under the ``csrf-blocks-webhook`` defect the check is the blanket kind some teams install: every
unsafe request without a Bearer token needs a token, the webhook included, so Stripe's every
delivery gets 403.

The middleware must sit inside Starlette's SessionMiddleware (it reads ``scope["session"]``).
"""

from __future__ import annotations

import hmac
import html
import json
import logging
import secrets
from collections.abc import Collection
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("reference_app.csrf")

SESSION_KEY = "csrf_token"
FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"
WEBHOOK_PATH = "/api/webhooks/stripe"
# checked even without a session: logging a victim in to the attacker's account is an attack too
ALWAYS_CHECKED = frozenset({"/login"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MAX_FORM_BYTES = 1024 * 1024
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def csrf_token(request: Request) -> str:
    """The session's token, created on first use; put it in every form this session posts."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


def renew_csrf_token(request: Request) -> str:
    """A fresh token, e.g. at login, so a token seen before the login is worth nothing after."""
    request.session[SESSION_KEY] = secrets.token_urlsafe(32)
    return str(request.session[SESSION_KEY])


class CsrfMiddleware:
    """Pure ASGI: reads (and replays) a form body only when it has to look for the token."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        covers_webhook: bool = False,
        exempt_paths: Collection[str] = (WEBHOOK_PATH,),
    ) -> None:
        self.app = app
        self.blanket = covers_webhook  # the defect: check every unsafe request, exempt nothing
        self.exempt_paths = frozenset(exempt_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._needs_check(scope):
            await self.app(scope, receive, send)
            return
        expected = scope.get("session", {}).get(SESSION_KEY)
        headers = _headers(scope)
        given = headers.get(HEADER)
        body: bytes | None = None
        if given is None and headers.get("content-type", "").startswith(FORM_TYPES):
            body = await _read_body(receive)
            if body is None:
                await _refuse(scope, send, 413, "the form is larger than 1 MiB")
                return
            given = await _form_token(scope, body)
        reason = _mismatch(expected, given)
        if reason is not None:
            log.warning("csrf: %s %s refused: %s", scope["method"], scope["path"], reason)
            await _refuse(scope, send, 403, reason)
            return
        await self.app(scope, receive if body is None else _replay(body, receive), send)

    def _needs_check(self, scope: Scope) -> bool:
        if scope["method"] in SAFE_METHODS:
            return False
        scheme, _, token = _headers(scope).get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return False
        if self.blanket:
            return True
        path: str = scope["path"]
        if path in self.exempt_paths:
            return False
        return path in ALWAYS_CHECKED or bool(scope.get("session"))


def _mismatch(expected: object, given: str | None) -> str | None:
    if not isinstance(expected, str) or not expected:
        return (
            "CSRF check failed: this browser session has no CSRF token (the session expired or"
            " cookies are off); reload the page and try again"
        )
    if not given:
        return (
            f"CSRF check failed: the request carries no CSRF token (form field {FORM_FIELD!r}"
            f" or header 'X-CSRF-Token'); reload the page and try again"
        )
    if not hmac.compare_digest(expected.encode(), given.encode()):
        return "CSRF check failed: the CSRF token does not match this session; reload the page"
    return None


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _form_token(scope: Scope, body: bytes) -> str | None:
    content_type = _headers(scope).get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        values = parse_qs(body.decode("latin-1"), keep_blank_values=True).get(FORM_FIELD, [])
        return values[0] if values else None
    request = Request(scope, _replay(body, _no_more_messages))
    try:
        async with request.form() as form:
            value = form.get(FORM_FIELD)
    except Exception:  # a malformed multipart body: no token found; the 403 says so
        return None
    return value if isinstance(value, str) else None


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _no_more_messages() -> Message:
    return {"type": "http.disconnect"}


async def _refuse(scope: Scope, send: Send, status: int, reason: str) -> None:
    if str(scope["path"]).startswith("/api/"):
        content_type, body = "application/json", json.dumps({"error": reason}).encode()
    else:
        content_type = "text/html; charset=utf-8"
        body = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<title>Request refused</title></head><body><main>"
            f"<h1>Request refused</h1><p role='alert'>{html.escape(reason)}</p>"
            "<p><a href='/dashboard/wallet'>Back to your wallet</a></p></main></body></html>"
        ).encode()
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
