"""How every ``/_control`` request is handled around its handler (``fake_stripe.http.control``),
as ``api_pipeline`` does for ``/v1``.

Every request goes through ``control``: the body is read with a cap (a 413 past it, whatever
the route), the handler parses what it needs through ``ControlCall.json`` and the typed readers
here, and its result is serialised. Every error is ``{"error": {"message": ...}}`` with a 4xx
(504 when a wait runs out); a bug in the fake is a JSON 500 and the server keeps serving. JSON
is read by ``protocol.json_input``, so no body, however deep or long its numbers, reaches a
handler unchecked; numbers are checked against their range through ``finite_number``, so no
range check overflows.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from fake_stripe.fault_rules import FaultSpecError
from fake_stripe.http.request_body import read_body
from fake_stripe.protocol.errors import StripeError
from fake_stripe.protocol.json_input import InvalidJson, finite_number, parse_json
from fake_stripe.service import FakeStripe

log = logging.getLogger("fake_stripe.control")
MAX_BODY_BYTES = 1 << 20  # a control call is a few hundred bytes; a simulation's rule a few more
DEFAULT_WAIT = 30.0  # real seconds a call waits for the work it starts


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class ControlCall:
    """One control request, as the handlers see it: its body is already in, under the cap."""

    request: Request
    fake: FakeStripe
    body: bytes

    @property
    def path(self) -> dict[str, str]:
        return dict(self.request.path_params)

    def json(self) -> dict[str, Any]:
        """The body as a JSON object; an empty body is ``{}``."""
        if not self.body.strip():
            return {}
        data = parse_json(self.body)
        if not isinstance(data, dict):
            raise ControlError("body must be a JSON object")
        return data


Handler = Callable[[ControlCall], Awaitable[Any]]


def control(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        fake: FakeStripe = request.app.state.fake
        try:
            body = await read_body(request, MAX_BODY_BYTES)
            if body.too_large:
                raise ControlError(
                    f"body too large: {body.size} bytes or more; the control API takes at most"
                    f" {MAX_BODY_BYTES} bytes",
                    413,
                )
            result = await handler(ControlCall(request, fake, body.data))
            return result if isinstance(result, Response) else JSONResponse(result)
        except ControlError as error:
            return _error(error.message, error.status)
        except InvalidJson as error:
            return _error(error.message, 400)
        except FaultSpecError as error:
            return _error(str(error), 400)
        except StripeError as error:
            return JSONResponse(error.to_json(), status_code=error.status)
        except ClientDisconnect:
            return _error("the client went away before sending the whole body", 400)
        except Exception:  # a bug in the fake: say so in JSON, keep serving
            log.exception("internal error on %s %s", request.method, request.url.path)
            return _error("internal error in the fake (see its log)", 500)

    return run


def _error(message: str, status: int) -> Response:
    return JSONResponse({"error": {"message": message}}, status_code=status)


# -- typed reading of a body's fields -------------------------------------------------------


def number(
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
    seconds = finite_number(value)
    too_small = seconds is not None and (seconds <= minimum if positive else seconds < minimum)
    if seconds is None or too_small or seconds > maximum:
        bound = f"more than {minimum:g}" if positive else f"at least {minimum:g}"
        upper = f" and at most {maximum:g}" if math.isfinite(maximum) else ""
        raise ControlError(f"{key} must be {bound}{upper} seconds; got {_shown(value)}")
    return seconds


def whole_number(data: dict[str, Any], key: str, *, minimum: int, maximum: int) -> int | None:
    """A whole number from ``minimum`` to ``maximum``, or None when the key is absent or null."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ControlError(
            f"{key} must be a whole number from {minimum} to {maximum}; got {_shown(value)}"
        )
    return value


def text(data: dict[str, Any], key: str, default: str | None = None) -> str | None:
    value = data.get(key, default)
    if value is not None and not isinstance(value, str):
        raise ControlError(f"{key} must be a string")
    return value


def flag(data: dict[str, Any], key: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ControlError(f"{key} must be true or false")
    return value


def _shown(value: Any) -> str:
    """A value for a message: in full when short, else its start and its length."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return f"a {type(value).__name__}"
    shown = repr(value)
    return shown if len(shown) <= 40 else f"{shown[:12]}... ({len(shown)} digits)"
