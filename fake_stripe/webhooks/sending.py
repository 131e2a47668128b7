"""One HTTP attempt at a webhook endpoint: the POST, signed afresh with the wall clock (receivers
verify against real time) and spoiled as a signature fault says, and what came of it as the log
keeps it: the status code, or the error as text, and for every failure its ``error_kind``.

The dispatcher decides when an attempt is made and which faults shape it; this module only
sends and says what happened.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx

from fake_stripe.fault_actions import spoiling
from fake_stripe.webhooks.faults import FaultRule
from fake_stripe.webhooks.records import AttemptRecord, ErrorKind
from fake_stripe.webhooks.signing import signature_header

USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
WRONG_SECRET = "whsec_not_the_endpoints_secret_0000000000"  # noqa: S105 (a fault's, on purpose)
SPOIL_SIGNATURE = spoiling("signature")  # corrupt_signature, stale_timestamp, wrong_secret
# how a receiver refuses a delivery it cannot verify; a 404 or a 500 to a spoiled attempt is the
# endpoint's own failure, which the fault did not cause
SIGNATURE_REFUSALS = frozenset({400, 401, 403})
KEPT_CONNECTIONS = 32
KEEPALIVE_SECONDS = 1.0  # well inside any receiver's idle timeout


class Sender:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout  # seconds an endpoint has to answer one attempt
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self._client = httpx.AsyncClient(
            follow_redirects=False,  # a 3xx answer is a failed delivery, as on Stripe
            # connections are kept for the next attempt (a connection per attempt cost the fake
            # and the receiver a handshake each), but only briefly idle: a receiver closes an
            # idle connection after its own keep-alive timeout (uvicorn's and Node's: 5 s), and
            # one closed just as an attempt goes out would fail it for a reason no receiver
            # could fix; a connection found closed before the attempt is replaced
            limits=httpx.Limits(
                max_connections=200,
                max_keepalive_connections=KEPT_CONNECTIONS,
                keepalive_expiry=KEEPALIVE_SECONDS,
            ),
        )

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def send(
        self, record: AttemptRecord, payload: bytes, secrets: list[str], rules: list[FaultRule]
    ) -> None:
        """POST ``payload`` to the record's endpoint and fill in the record: status code, or
        error; the kind of any failure; the duration."""
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Stripe-Signature": signature(payload, secrets, rules),
        }
        assert self._client is not None, "Sender.start() was not awaited"
        started = time.perf_counter()
        try:
            response = await self._client.post(
                record.endpoint_url, content=payload, headers=headers, timeout=self.timeout
            )
            record.status_code = response.status_code
            if not record.succeeded:
                spoiled = any(rule.action in SPOIL_SIGNATURE for rule in rules)
                refused = response.status_code in SIGNATURE_REFUSALS
                record.error_kind = "bad_signature_by_fault" if spoiled and refused else "non_2xx"
        except httpx.TimeoutException:
            record.error = f"timed out after {self.timeout:g} s"
            record.error_kind = "timeout"
        except Exception as error:  # refused, reset, bad URL...: no answer fails the attempt
            record.error = f"connection failed: {type(error).__name__}: {error}"
            record.error_kind = connection_kind(error)
        record.duration_ms = round((time.perf_counter() - started) * 1000, 2)


def connection_kind(error: BaseException) -> ErrorKind:
    """Why no answer came, from what the HTTP client raised: nothing listening, the endpoint
    hanging up without an answer, or any other failure (DNS, a URL no client can send to...)."""
    if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "connection_closed"
    if any(isinstance(cause, ConnectionRefusedError) for cause in _causes(error)):
        return "connection_refused"
    return "connection_failed"


def signature(payload: bytes, secrets: list[str], rules: list[FaultRule]) -> str:
    """The ``Stripe-Signature`` header for now, as the signature faults among ``rules`` spoil
    it."""
    timestamp = int(time.time())  # the wall clock: receivers check signatures on real time
    for rule in rules:
        if rule.action == "wrong_secret":
            secrets = [WRONG_SECRET]
        elif rule.action == "stale_timestamp":
            timestamp -= int(rule.params["age_seconds"])
    header = signature_header(payload, secrets, timestamp)
    if any(rule.action == "corrupt_signature" for rule in rules):
        header = _corrupt(header)
    return header


def _corrupt(header: str) -> str:
    """Flip the last hex digit of every v1 signature."""
    parts = []
    for part in header.split(","):
        if part.startswith("v1="):
            last = part[-1]
            part = part[:-1] + ("0" if last != "0" else "1")
        parts.append(part)
    return ",".join(parts)


def _causes(error: BaseException) -> Iterator[BaseException]:
    """``error`` and what raised it, down the chain (httpx wraps the socket's own error)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__
