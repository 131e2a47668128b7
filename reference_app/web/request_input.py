"""What the app takes from a request, checked before anything else reads it, so that bad input
gets a 4xx with its reason and never reaches the database or a 500:

- JSON bodies: at most ``MAX_JSON_DEPTH`` levels deep (Python's parser raises RecursionError,
  not ValueError, past about a thousand), numbers no longer than Python parses (4,300 digits),
  no ``NaN``/``Infinity``, no key twice in one object (which one counts differs between
  parsers), and no NUL character in any text (PostgreSQL's text refuses it);
- whole numbers typed or sent as text: ASCII digits only (``str.isdigit`` and ``int`` take any
  script's digits, Arabic-Indic ones too), and a bounded number of them;
- a signed Stripe event is stored whatever it holds: ``nul_escaped`` swaps each NUL for U+FFFD
  (jsonb refuses ``\\u0000``) rather than refuse a payment Stripe would retry for days.

``RequestGuard`` (ASGI middleware) refuses, before any route runs, a URL with a NUL in its path
or query (400) and a body over ``MAX_BODY_BYTES`` (413).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 64
NUL = "\x00"
REPLACEMENT = "\ufffd"


class BadInput(ValueError):
    """The request cannot be taken as it is; the message says why (for a 400)."""


def parse_json(raw: bytes) -> Any:
    """The body as JSON, or ``BadInput`` saying what is wrong with it."""
    try:
        value = json.loads(raw, parse_constant=_no_constant, object_pairs_hook=_each_key_once)
    except RecursionError:
        raise BadInput(f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep") from None
    except json.JSONDecodeError as error:
        raise BadInput(f"not JSON: {error}") from None
    except UnicodeDecodeError:
        raise BadInput("not JSON: the body is not UTF-8") from None
    except BadInput:
        raise
    except ValueError:  # what int() refuses: more digits than Python reads
        raise BadInput("a number in the JSON has more than 4,300 digits") from None
    depth, has_nul = _shape(value)
    if depth > MAX_JSON_DEPTH:
        raise BadInput(f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep")
    if has_nul:
        raise BadInput("text in the body holds a NUL character")
    return value


def whole_number(text: str, *, max_digits: int) -> int | None:
    """``text`` as a whole number of ASCII digits (at most ``max_digits``), else None."""
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def nul_escaped(value: Any) -> Any:
    """``value`` (parsed JSON) with every NUL in its text, keys included, as U+FFFD."""
    if isinstance(value, str):
        return value.replace(NUL, REPLACEMENT)
    if isinstance(value, list):
        return [nul_escaped(item) for item in value]
    if isinstance(value, dict):
        return {nul_escaped(key): nul_escaped(item) for key, item in value.items()}
    return value


def _no_constant(name: str) -> Any:
    raise BadInput(f"{name} is not a JSON number: send a whole number of pence")


def _each_key_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object, refused when it names a key twice: parsers differ on which one counts (the
    first, the last), so a proxy and the app could read two different amounts."""
    value = dict(pairs)
    if len(value) < len(pairs):
        twice = sorted(key for key, count in Counter(key for key, _ in pairs).items() if count > 1)
        named = ", ".join(repr(key)[:40] for key in twice[:3])
        raise BadInput(f"the JSON gives {named}{' and more' if twice[3:] else ''} more than once")
    return value


def _shape(value: Any) -> tuple[int, bool]:
    """How deeply ``value`` nests, and whether any text in it holds a NUL (without recursion:
    a deep value must not exhaust the stack here either)."""
    deepest, has_nul = 0, False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            has_nul = has_nul or NUL in item
        elif isinstance(item, list):
            deepest = max(deepest, depth)
            stack += [(child, depth + 1) for child in item]
        elif isinstance(item, dict):
            deepest = max(deepest, depth)
            stack += [(key, depth + 1) for key in item]
            stack += [(child, depth + 1) for child in item.values()]
    return deepest, has_nul


class RequestGuard:
    """Refuses a URL holding a NUL (400) and a body over ``MAX_BODY_BYTES`` (413) before the
    app reads either, with ``{"error": reason}``."""

    def __init__(self, app: ASGIApp, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query: bytes = scope.get("query_string", b"")
        if NUL in scope["path"] or b"\x00" in unquote_to_bytes(query):
            await _answer(send, 400, "the URL holds a NUL character")
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        limit = self.max_body_bytes
        if declared.isdigit() and int(declared[:20]) > limit:
            await _answer(send, 413, f"the body is larger than {limit // 1024} KiB")
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise _TooLarge
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except _TooLarge:
            if started:
                raise
            await _answer(send, 413, f"the body is larger than {limit // 1024} KiB")


class _TooLarge(Exception):
    """A body without a Content-Length grew past the limit while it was read."""


async def _answer(send: Send, status: int, reason: str) -> None:
    body = json.dumps({"error": reason}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
