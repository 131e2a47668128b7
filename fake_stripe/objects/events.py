"""Events and webhook endpoints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fake_stripe.protocol.json_output import stripe_json_bytes

# The version whose object shapes the fake renders: the one the official SDK it is tested with
# (stripe-python 16) pins. A test holds the two together.
API_VERSION = "2026-10-28.endive"


@dataclass
class Event:
    id: str
    type: str
    created: int
    data_object: dict[str, Any]  # a snapshot of the object when the event happened
    previous_attributes: dict[str, Any] | None = None
    request_id: str | None = None
    idempotency_key: str | None = None
    # endpoints this event was sent to that have not answered 2xx yet
    awaiting_endpoints: set[str] = field(default_factory=set)

    @property
    def pending_webhooks(self) -> int:
        return len(self.awaiting_endpoints)

    @property
    def object_id(self) -> str | None:
        value = self.data_object.get("id")
        return value if isinstance(value, str) else None

    @property
    def delivery_success(self) -> bool:
        return self.pending_webhooks == 0

    def payload(self) -> bytes:
        """The body of a delivery of this event: its JSON as Stripe sends it, indented."""
        return stripe_json_bytes(self.to_stripe())

    def to_stripe(self) -> dict[str, Any]:
        data: dict[str, Any] = {"object": self.data_object}
        if self.previous_attributes is not None:
            data["previous_attributes"] = self.previous_attributes
        return {
            "id": self.id,
            "object": "event",
            "account": None,
            "api_version": API_VERSION,
            "context": None,
            "created": self.created,
            "data": data,
            "livemode": False,
            "pending_webhooks": self.pending_webhooks,
            "request": {"id": self.request_id, "idempotency_key": self.idempotency_key},
            "type": self.type,
        }


@dataclass
class WebhookEndpoint:
    id: str
    url: str
    created: int
    enabled_events: list[str]
    secrets: list[str]  # the first signs; during a rotation the old one signs too
    description: str | None = None
    status: str = "enabled"  # enabled | disabled
    metadata: dict[str, str] = field(default_factory=dict)
    api_version: str | None = None
    # fake time until which the previous secret keeps signing, after a rotation
    previous_secret_expires_at: float | None = None

    @property
    def secret(self) -> str:
        return self.secrets[0]

    def subscribed_to(self, event_type: str) -> bool:
        return self.status == "enabled" and (
            "*" in self.enabled_events or event_type in self.enabled_events
        )

    def deleted_stripe(self) -> dict[str, Any]:
        """What ``DELETE /v1/webhook_endpoints/{id}`` answers: the id, nothing more."""
        return {"id": self.id, "object": "webhook_endpoint", "deleted": True}

    def to_stripe(self, *, with_secret: bool = False) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "webhook_endpoint",
            "api_version": self.api_version,
            "application": None,
            "created": self.created,
            "description": self.description,
            "enabled_events": list(self.enabled_events),
            "livemode": False,
            "metadata": dict(self.metadata),
            "secret": self.secret if with_secret else None,
            "status": self.status,
            "url": self.url,
        }
