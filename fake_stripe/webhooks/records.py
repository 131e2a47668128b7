"""What the dispatcher keeps: one ``Delivery`` per (event, endpoint) and one ``AttemptRecord``
per HTTP attempt (``GET /_control/deliveries`` lists both).

A failed attempt says why twice: ``error``, free text for people (and for code that already
reads it, so its wording stays), and ``error_kind``, one of ``ERROR_KINDS`` for code.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from fake_stripe.objects.events import Event, WebhookEndpoint

# states a delivery ends in; any other state is pending
FINISHED = ("succeeded", "failed", "dropped", "cancelled")

# why an attempt failed (docs/control-api.md says what each means); a fault's are marked as such
ErrorKind = Literal[
    "non_2xx",  # the endpoint answered, outside 2xx (3xx included)
    "timeout",  # no answer within the delivery timeout
    "connection_refused",  # nothing listens at the endpoint's address
    "connection_closed",  # the endpoint hung up without an answer
    "connection_failed",  # any other way of getting no answer (DNS, a URL no client can send to)
    "dropped_by_fault",  # a drop fault lost the attempt: never sent, never retried
    "non_2xx_by_fault",  # a fail fault answered for the endpoint with its status
    "timeout_by_fault",  # a fail fault answered for the endpoint as a timeout
    "bad_signature_by_fault",  # a signature fault spoiled it and the endpoint refused it
]
ERROR_KINDS: tuple[ErrorKind, ...] = get_args(ErrorKind)


@dataclass
class AttemptRecord:
    delivery_id: str
    event_id: str
    event_type: str
    object_id: str | None
    endpoint_id: str
    endpoint_url: str
    attempt: int
    copy: int  # 0: the delivery itself; 1..n: copies sent by a duplicate fault
    scheduled_at: float
    sent_at: float
    faults: list[str]
    status_code: int | None = None
    error: str | None = None
    error_kind: ErrorKind | None = None  # None: the attempt succeeded
    duration_ms: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    def summary(self) -> str:
        """The attempt in one line, for the fake's log."""
        outcome = self.status_code if self.status_code is not None else self.error
        return "".join(
            [
                f"{self.event_id} {self.event_type} {self.object_id or '-'} -> {self.endpoint_url}",
                f" attempt {self.attempt}",
                f" copy {self.copy}" if self.copy else "",
                f": {outcome}",
                f" in {self.duration_ms:g} ms" if self.duration_ms is not None else "",
                f" [faults: {', '.join(self.faults)}]" if self.faults else "",
            ]
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "delivery_id": self.delivery_id,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "object_id": self.object_id,
            "endpoint_id": self.endpoint_id,
            "endpoint_url": self.endpoint_url,
            "attempt": self.attempt,
            "copy": self.copy,
            "scheduled_at": self.scheduled_at,
            "sent_at": self.sent_at,
            "status_code": self.status_code,
            "error": self.error,
            "error_kind": self.error_kind,
            "duration_ms": self.duration_ms,
            "faults": list(self.faults),
            "succeeded": self.succeeded,
        }


@dataclass
class Delivery:
    """One event on its way to one endpoint, across all its attempts."""

    id: str
    event: Event
    endpoint: WebhookEndpoint
    # scheduled | in_flight | held | waiting | released, then one of FINISHED
    state: str = "scheduled"
    attempts: int = 0
    due: float | None = None
    waiting_for: str | None = None  # reorder: the event type that must be delivered first
    first_faults: list[str] = field(default_factory=list)
    manual: bool = False  # a resend from the control API: no retries of its own
    first_answer: asyncio.Future[None] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event_id": self.event.id,
            "event_type": self.event.type,
            "object_id": self.event.object_id,
            "endpoint_id": self.endpoint.id,
            "endpoint_url": self.endpoint.url,
            "state": self.state,
            "attempts": self.attempts,
            "due": self.due,
            "waiting_for": self.waiting_for,
            "faults": list(self.first_faults),
        }
