"""A typed Python client for the fake's control API (``/_control``).

    from fake_stripe.client import FakeStripeControl

    fake = FakeStripeControl("http://127.0.0.1:12111")
    fake.add_fault("drop", event_type="checkout.session.completed", times=1)
    result = fake.pay(session_id, card="4242424242424242")
    fake.settle()
    fake.advance(hours=2)
    attempts = fake.deliveries(object_id=session_id)
    fake.add_api_fault("error", path="/v1/checkout/sessions", method="POST", status=503)

It needs only httpx, so other projects can use it against a fake they run themselves.

The fault vocabularies (``FAULT_ACTIONS`` for webhook deliveries, ``API_FAULT_ACTIONS`` for the
app's requests to ``/v1``: each action, its params and what ``times`` counts) are here too, read
without a running fake; ``fault_actions()`` and ``api_fault_actions()`` ask a running one.
"""

from __future__ import annotations

import functools
import ssl
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from fake_stripe.fault_actions import API_FAULT_ACTIONS as API_FAULT_ACTIONS
from fake_stripe.fault_actions import FAULT_ACTIONS as FAULT_ACTIONS
from fake_stripe.fault_actions import OBSERVER_HEADER as OBSERVER_HEADER
from fake_stripe.fault_actions import FaultAction as FaultAction
from fake_stripe.fault_actions import FaultParam as FaultParam
from fake_stripe.fault_actions import spoiling as spoiling


class ControlError(RuntimeError):
    """The control API refused a request; ``status`` and the fake's message say why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


@dataclass(frozen=True)
class SignedRequest:
    """What ``sign`` answers: where to post, the body, its ``Stripe-Signature`` header."""

    url: str
    payload: str
    stripe_signature: str
    timestamp: int


@dataclass(frozen=True)
class FaultRule:
    id: str
    action: str
    match: dict[str, Any]  # method, path, object_id (and fields: an object)
    times: int | None
    params: dict[str, Any]
    probability: float | None
    applied: int
    remaining: int | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultRule:
        return cls(**data)


@dataclass(frozen=True)
class ApiFaultHit:
    """One request to ``/v1`` an API fault rule took: ``status`` is what was answered instead
    (None: no answer, a timeout or a reset); ``processed``: the request took effect anyway."""

    rule_id: str
    action: str
    method: str
    path: str
    request_id: str
    at: float
    status: int | None
    processed: bool

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ApiFaultHit:
        return cls(**data)


@dataclass(frozen=True)
class DeliveryAttempt:
    delivery_id: str
    event_id: str
    event_type: str
    object_id: str | None
    endpoint_id: str
    endpoint_url: str
    attempt: int
    copy: int
    scheduled_at: float
    sent_at: float
    status_code: int | None
    error: str | None  # for people; error_kind for code
    duration_ms: float | None
    faults: list[str]
    succeeded: bool
    # why it failed, as data (docs/control-api.md lists the kinds); None when it succeeded
    error_kind: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DeliveryAttempt:
        return cls(**data)


@dataclass(frozen=True)
class PendingDelivery:
    id: str
    event_id: str
    event_type: str
    object_id: str | None
    endpoint_id: str
    endpoint_url: str
    state: str  # scheduled | in_flight | held | waiting (reorder) | released
    attempts: int
    due: float | None
    waiting_for: str | None
    faults: list[str]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PendingDelivery:
        return cls(**data)


@dataclass(frozen=True)
class Deliveries:
    attempts: list[DeliveryAttempt]
    pending: list[PendingDelivery]


@dataclass(frozen=True)
class PaymentResult:
    status: str  # succeeded | processing | requires_action | declined | invalid
    message: str | None
    field: str | None
    redirect_url: str | None
    session: dict[str, Any]
    events: list[dict[str, str]]


@dataclass(frozen=True)
class Clock:
    now: float
    timestamp: int
    offset: float
    retry_schedule: dict[str, Any]


@dataclass(frozen=True)
class Settled:
    held: int
    scheduled: int
    next_due: float | None


@dataclass(frozen=True)
class RolledSecret:
    id: str  # the endpoint's
    secret: str  # the new signing secret
    signing_secrets: list[str]  # every secret that signs now: the new one first
    previous_secret_expires_at: float | None  # fake time; None when the old one stopped at once


def tls_context(base_url: str) -> ssl.SSLContext:
    """The TLS context for an httpx client of ``base_url``. httpx builds one, loading the whole
    CA bundle (about 50 ms), for every client it makes, and a control client is often
    short-lived (a command's, a thread's). A plain-HTTP URL gets a context that trusts no
    certificate: such a client never speaks TLS, and an https address would fail the handshake,
    never pass unchecked. Any other gets httpx's default checks, built once per process. (The
    harness's own clients use it too: ``harness.http_clients``.)"""
    return _trusting_nothing() if base_url.lower().startswith("http://") else _default_checks()


@functools.cache
def _default_checks() -> ssl.SSLContext:
    return httpx.create_ssl_context()


@functools.cache
def _trusting_nothing() -> ssl.SSLContext:
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, against no certificates


class FakeStripeControl:
    def __init__(self, base_url: str, *, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url + "/_control", timeout=timeout, verify=tls_context(self.base_url)
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> FakeStripeControl:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- state ---------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")

    def reset(self, *, endpoints: bool = False, seed: int | None = None) -> None:
        """Objects, events, deliveries, faults and the clock back to the start; webhook
        endpoints survive unless ``endpoints=True``."""
        body: dict[str, Any] = {"endpoints": endpoints}
        if seed is not None:
            body["seed"] = seed
        self._call("POST", "/reset", body)

    # -- faults --------------------------------------------------------------------------------

    def add_fault(
        self,
        action: str,
        *,
        event_type: str | None = None,
        object_id: str | None = None,
        endpoint: str | None = None,
        times: int | None = 1,
        probability: float | None = None,
        **params: Any,
    ) -> FaultRule:
        """E.g. ``add_fault("fail", event_type="checkout.session.completed", times=3,
        status=500)`` or ``add_fault("delay", object_id=session_id, seconds=7200)``."""
        match = {"event_type": event_type, "object_id": object_id, "endpoint": endpoint}
        body = {
            "action": action,
            "match": {k: v for k, v in match.items() if v is not None},
            "times": times,
            "params": params,
            "probability": probability,
        }
        return FaultRule.from_json(self._call("POST", "/faults", body))

    def add_fault_rule(self, rule: dict[str, Any]) -> FaultRule:
        """A rule as data: ``{action, match, times, params, probability}``."""
        return FaultRule.from_json(self._call("POST", "/faults", rule))

    def fault_actions(self) -> tuple[FaultAction, ...]:
        """The running fake's fault vocabulary (the same as ``FAULT_ACTIONS`` of its version)."""
        listed = self._call("GET", "/faults/actions")["data"]
        return tuple(FaultAction.from_json(action) for action in listed)

    def fault(self, rule_id: str) -> FaultRule:
        return FaultRule.from_json(self._call("GET", f"/faults/{rule_id}"))

    def faults(self) -> list[FaultRule]:
        return [FaultRule.from_json(rule) for rule in self._call("GET", "/faults")["data"]]

    def injected(self) -> dict[str, int]:
        """How many times each fault action was applied since the last reset."""
        injected: dict[str, int] = self._call("GET", "/faults")["injected"]
        return injected

    def remove_fault(self, rule_id: str) -> None:
        self._call("DELETE", f"/faults/{rule_id}")

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    # -- faults on the app's own requests to /v1 ------------------------------------------------

    def add_api_fault(
        self,
        action: str,
        *,
        method: str | None = None,
        path: str | None = None,
        object_id: str | None = None,
        fields: dict[str, str] | None = None,
        times: int | None = 1,
        probability: float | None = None,
        **params: Any,
    ) -> FaultRule:
        """E.g. ``add_api_fault("error", method="POST", path="/v1/checkout/sessions",
        status=429, retry_after=1)``, ``add_api_fault("timeout", object_id=session_id)`` or,
        for one customer's creation, ``fields={"client_reference_id": org_id}``."""
        match = {"method": method, "path": path, "object_id": object_id, "fields": fields}
        body = {
            "action": action,
            "match": {k: v for k, v in match.items() if v is not None},
            "times": times,
            "params": params,
            "probability": probability,
        }
        return FaultRule.from_json(self._call("POST", "/api_faults", body))

    def add_api_fault_rule(self, rule: dict[str, Any]) -> FaultRule:
        return FaultRule.from_json(self._call("POST", "/api_faults", rule))

    def api_fault_actions(self) -> tuple[FaultAction, ...]:
        listed = self._call("GET", "/api_faults/actions")["data"]
        return tuple(FaultAction.from_json(action) for action in listed)

    def api_faults(self) -> list[FaultRule]:
        return [FaultRule.from_json(rule) for rule in self._call("GET", "/api_faults")["data"]]

    def api_faults_injected(self) -> dict[str, int]:
        """How many times each API fault action was applied since the last reset."""
        injected: dict[str, int] = self._call("GET", "/api_faults")["injected"]
        return injected

    def api_fault_hits(self) -> list[ApiFaultHit]:
        """Every request a rule faulted since the last reset, oldest first."""
        hits = self._call("GET", "/api_faults/hits")["data"]
        return [ApiFaultHit.from_json(hit) for hit in hits]

    def remove_api_fault(self, rule_id: str) -> None:
        self._call("DELETE", f"/api_faults/{rule_id}")

    def clear_api_faults(self) -> None:
        self._call("DELETE", "/api_faults")

    # -- clock ---------------------------------------------------------------------------------

    def clock(self) -> Clock:
        return Clock(**self._call("GET", "/clock"))

    def advance(
        self,
        *,
        seconds: float = 0,
        minutes: float = 0,
        hours: float = 0,
        days: float = 0,
        timeout: float = 30.0,
        together: int = 1,
    ) -> Clock:
        """Move fake time forward, running every retry, delay, expiry and settlement due on
        the way; returns when that work is done (``timeout``: real seconds to wait for it).
        ``together`` above 1: up to that many timers' work at once, where they fall due within
        a minute of each other, in any order (``Scheduler.advance``)."""
        total = seconds + 60 * minutes + 3600 * hours + 86400 * days
        body: dict[str, float] = {"seconds": total, "timeout": timeout}
        if together > 1:
            body["together"] = together
        return Clock(**self._call("POST", "/clock/advance", body))

    # -- deliveries ----------------------------------------------------------------------------

    def deliveries(
        self,
        *,
        event_id: str | None = None,
        event_type: str | None = None,
        object_id: str | None = None,
        endpoint_id: str | None = None,
    ) -> Deliveries:
        query = {
            "event_id": event_id,
            "event_type": event_type,
            "object_id": object_id,
            "endpoint_id": endpoint_id,
        }
        data = self._call("GET", "/deliveries", params={k: v for k, v in query.items() if v})
        return Deliveries(
            [DeliveryAttempt.from_json(a) for a in data["attempts"]],
            [PendingDelivery.from_json(p) for p in data["pending"]],
        )

    def settle(self, timeout: float = 30.0) -> Settled:
        """Return once no delivery is due or in flight (held ones and future retries aside)."""
        data = self._call("POST", "/deliveries/settle", {"timeout": timeout})
        return Settled(data["held"], data["scheduled"], data["next_due"])

    def release(self, delivery_ids: list[str] | None = None) -> list[str]:
        """Send held deliveries now, in the order given (all of them when None)."""
        body = {} if delivery_ids is None else {"ids": delivery_ids}
        released: list[str] = self._call("POST", "/deliveries/release", body)["released"]
        return released

    def resend(self, event_id: str, endpoint_id: str | None = None) -> list[str]:
        body = {} if endpoint_id is None else {"endpoint": endpoint_id}
        deliveries: list[str] = self._call("POST", f"/events/{event_id}/resend", body)["deliveries"]
        return deliveries

    # -- payments ------------------------------------------------------------------------------

    def pay(
        self,
        session_id: str,
        *,
        card: str = "4242424242424242",
        expiry: str = "12/34",
        cvc: str = "123",
        email: str | None = "customer@example.com",
        name: str | None = None,
        three_d_secure: str | None = None,
        method: str = "card",
        account_number: str | None = None,
        wait_for_webhook: bool = True,
    ) -> PaymentResult:
        """Pay through the same code as the hosted page. ``three_d_secure``: "pass" or "fail"
        answers a challenge; ``method="bacs_debit"`` with ``account_number`` 00012345 (settles
        to succeeded) or 90012345 (fails) pays by delayed bank debit."""
        body: dict[str, Any] = {
            "method": method,
            "card": card,
            "expiry": expiry,
            "cvc": cvc,
            "email": email,
            "name": name,
            "three_d_secure": three_d_secure,
            "wait_for_webhook": wait_for_webhook,
        }
        if account_number is not None:
            body["account_number"] = account_number
        return PaymentResult(**self._call("POST", f"/checkout/sessions/{session_id}/pay", body))

    def expire(self, session_id: str) -> dict[str, Any]:
        return self._call("POST", f"/checkout/sessions/{session_id}/expire")

    # -- webhook endpoints ---------------------------------------------------------------------

    def roll_secret(self, endpoint_id: str, *, overlap_seconds: float = 86400) -> RolledSecret:
        """A new signing secret; the old one keeps signing (a second ``v1``) for
        ``overlap_seconds`` of fake time (0: it stops at once)."""
        data = self._call(
            "POST",
            f"/webhook_endpoints/{endpoint_id}/roll_secret",
            {"overlap_seconds": overlap_seconds},
        )
        return RolledSecret(**data)

    def sign(
        self,
        endpoint_id: str,
        *,
        payload: str | None = None,
        event_id: str | None = None,
        signed_seconds_ago: float = 0,
    ) -> SignedRequest:
        """A request to the endpoint as the fake would sign it: of ``payload``, or of the event
        ``event_id`` as its deliveries carry it, signed that many seconds ago. For tests that
        play an attacker: a replay, or a correctly signed event that lies."""
        body: dict[str, Any] = {"signed_seconds_ago": signed_seconds_ago}
        body.update({"payload": payload} if payload is not None else {"event": event_id})
        return SignedRequest(**self._call("POST", f"/webhook_endpoints/{endpoint_id}/sign", body))

    # -- plumbing ------------------------------------------------------------------------------

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None, params: Any = None
    ) -> dict[str, Any]:
        response = self._http.request(method, path, json=body, params=params)
        if response.status_code >= 400:
            try:
                message = response.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = response.text
            raise ControlError(response.status_code, message)
        data: dict[str, Any] = response.json()
        return data
