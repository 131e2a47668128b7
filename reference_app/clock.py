"""The app's clock: real time, or a clock it is told to follow (``WALLET_CLOCK_URL``).

The app measures one window itself: how far back the reconciliation sweep looks. A test
harness that moves Stripe's clock (fake_stripe's ``GET /_control/clock``) moves the app's with it
by setting ``WALLET_CLOCK_URL`` to that clock; unset, it is ``time.time()``. The URL answers JSON
with ``now`` in Unix seconds. The app's uses are rare (once per sweep), so it asks on each use:
nothing cached can lag behind a jump. Webhook signatures are checked against real time (the
stripe SDK's tolerance), never this clock.
"""

from __future__ import annotations

import math
import ssl
import time
from typing import Protocol

import httpx

CLOCK_TIMEOUT_SECONDS = 5.0


class ClockError(RuntimeError):
    """The clock the app is told to follow did not answer with a time."""


class Clock(Protocol):
    def now(self) -> float:
        """Unix seconds."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class FollowedClock:
    """The time another clock serves: ``{"now": <Unix seconds>, ...}`` from ``url``."""

    def __init__(self, url: str, *, timeout: float = CLOCK_TIMEOUT_SECONDS) -> None:
        self.url = url
        self.timeout = timeout
        # httpx loads the whole CA bundle (about 50 ms) for each request's client unless given a
        # context. A clock on plain HTTP never speaks TLS, so it gets one that trusts nothing (an
        # https redirect would fail, never pass unchecked); one on https, httpx's defaults, once.
        plain = url.lower().startswith("http://")
        self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT) if plain else httpx.create_ssl_context()

    def now(self) -> float:
        try:
            response = httpx.get(self.url, timeout=self.timeout, verify=self._tls)
            response.raise_for_status()
            value = response.json()["now"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
            raise ClockError(f"WALLET_CLOCK_URL {self.url} gave no time: {error!r}") from None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ClockError(f"WALLET_CLOCK_URL {self.url} answered now={value!r}, not seconds")
        return float(value)


def make_clock(clock_url: str | None) -> Clock:
    return SystemClock() if clock_url is None else FollowedClock(clock_url)
