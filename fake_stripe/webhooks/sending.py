"""One HTTP attempt at a webhook endpoint: the POST, signed afresh with the wall clock (receivers
verify against real time) and spoiled as a signature fault says, and what came of it as the log
keeps it: the status code, or the error as text, and for every failure its ``error_kind``.

The dispatcher decides when an attempt is made and which faults shape it; this module only
sends and says what happened.
"""

from __future__ import annotations

import errno
import time
from collections.abc import Iterator

import aiohttp

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
CONNECTIONS = 200  # open at once, to all endpoints together
KEEPALIVE_SECONDS = 1.0  # well inside any receiver's idle timeout
CLOSED_BY_PEER = frozenset({errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED})  # mid-exchange


class Sender:
    """The fake's HTTP client for webhooks: aiohttp's, whose C parser and connection pool cost
    the fake about a tenth of the CPU per attempt that httpx's asynchronous client did (the
    sending was a third of the fake's CPU in a simulation's profile; bench/README.md)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout  # seconds an endpoint has to answer one attempt
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            # connections are kept for the next attempt (a connection per attempt cost the fake
            # and the receiver a handshake each), but only briefly idle: a receiver closes an
            # idle connection after its own keep-alive timeout (uvicorn's and Node's: 5 s), and
            # one closed just as an attempt goes out would fail it for a reason no receiver
            # could fix; one the receiver closed is dropped from the pool as it closes
            connector=aiohttp.TCPConnector(limit=CONNECTIONS, keepalive_timeout=KEEPALIVE_SECONDS),
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            auto_decompress=False,  # the answer's body is read, never looked into
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

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
        assert self._session is not None, "Sender.start() was not awaited"
        started = time.perf_counter()
        try:
            async with self._session.post(
                record.endpoint_url,
                data=payload,
                headers=headers,
                allow_redirects=False,  # a 3xx answer is a failed delivery, as on Stripe
            ) as response:
                await response.read()  # the whole answer, so the connection can be used again
            record.status_code = response.status
            if not record.succeeded:
                spoiled = any(rule.action in SPOIL_SIGNATURE for rule in rules)
                refused = response.status in SIGNATURE_REFUSALS
                record.error_kind = "bad_signature_by_fault" if spoiled and refused else "non_2xx"
        except TimeoutError:  # aiohttp's own timeouts are TimeoutErrors too
            record.error = f"timed out after {self.timeout:g} s"
            record.error_kind = "timeout"
        except Exception as error:  # refused, reset, bad URL...: no answer fails the attempt
            record.error = f"connection failed: {type(error).__name__}: {error}"
            record.error_kind = connection_kind(error)
        record.duration_ms = round((time.perf_counter() - started) * 1000, 2)


def connection_kind(error: BaseException) -> ErrorKind:
    """Why no answer came, from what the HTTP client raised: nothing listening, the endpoint
    hanging up without an answer (or mid-answer), or any other failure (DNS, a URL no client can
    send to...)."""
    if any(_refused(cause) for cause in _causes(error)):
        return "connection_refused"
    if isinstance(error, aiohttp.ClientConnectorError):  # no connection made, for another reason
        return "connection_failed"
    if isinstance(error, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return "connection_closed"
    if isinstance(error, aiohttp.ClientOSError) and error.errno in CLOSED_BY_PEER:
        return "connection_closed"
    return "connection_failed"


def _refused(error: BaseException) -> bool:
    """Nothing listened: the socket's own error, or one aiohttp made of it (its happy-eyeballs
    connect joins the errors of several addresses into one ``OSError`` with their errno)."""
    refused = isinstance(error, OSError) and error.errno == errno.ECONNREFUSED
    return refused or isinstance(error, ConnectionRefusedError)


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
    """``error`` and what raised it, down the chain (aiohttp wraps the socket's own error)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__
