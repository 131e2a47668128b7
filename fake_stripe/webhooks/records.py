"""What the dispatcher keeps: one ``Delivery`` per (event, endpoint) and one ``AttemptRecord``
per HTTP attempt (``GET /_control/deliveries`` lists both)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from fake_stripe.objects.events import Event, WebhookEndpoint

# states a delivery ends in; any other state is pending
FINISHED = ("succeeded", "failed", "dropped", "cancelled")


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
    duration_ms: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

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
