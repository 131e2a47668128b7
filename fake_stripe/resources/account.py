"""The state of one fake Stripe account: every object, the event log, webhook endpoints.

State lives in memory for the life of the process; ``reset`` empties it explicitly. Nothing
here speaks HTTP: the skin in ``fake_stripe.http`` parses, calls and serialises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fake_stripe.clock import FakeClock, Scheduler
from fake_stripe.objects.catalog import Price, Product
from fake_stripe.objects.checkout import CheckoutSession
from fake_stripe.objects.events import Event, WebhookEndpoint
from fake_stripe.objects.ids import IdFactory
from fake_stripe.objects.payments import Charge, PaymentIntent
from fake_stripe.protocol.listing import CreationOrder

EventListener = Callable[[Event], None]


class Account:
    def __init__(self, *, seed: int, scheduler: Scheduler, public_url: str) -> None:
        self.seed = seed
        self.ids = IdFactory(seed)
        self.scheduler = scheduler
        self.public_url = public_url.rstrip("/")
        self.products: dict[str, Product] = {}
        self.prices: dict[str, Price] = {}
        self.sessions: dict[str, CheckoutSession] = {}
        self.session_order = CreationOrder()  # for the list's cursors: add_session keeps it
        self.payment_intents: dict[str, PaymentIntent] = {}
        self.charges: dict[str, Charge] = {}
        self.events: dict[str, Event] = {}  # insertion order is creation order
        self.event_order = CreationOrder()  # the same, for the list's cursors
        self.endpoints: dict[str, WebhookEndpoint] = {}
        # Idempotency-Key -> (request fingerprint, status, response body)
        self.idempotent_responses: dict[str, tuple[str, int, Any]] = {}
        self._listeners: list[EventListener] = []

    @property
    def clock(self) -> FakeClock:
        return self.scheduler.clock

    def now(self) -> int:
        return self.clock.timestamp()

    def on_event(self, listener: EventListener) -> None:
        self._listeners.append(listener)

    def emit(
        self,
        event_type: str,
        data_object: dict[str, Any],
        *,
        previous_attributes: dict[str, Any] | None = None,
        request_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Event:
        """Record an event and hand it to the listeners (the webhook dispatcher)."""
        event = Event(
            id=self.ids.new("event"),
            type=event_type,
            created=self.now(),
            data_object=data_object,
            previous_attributes=previous_attributes,
            request_id=request_id,
            idempotency_key=idempotency_key,
        )
        self.events[event.id] = event
        self.event_order.add(event.id)
        for listener in self._listeners:
            listener(event)
        return event

    def add_session(self, session: CheckoutSession) -> None:
        self.sessions[session.id] = session
        self.session_order.add(session.id)

    def reissue(self, event: Event) -> Event:
        """The same change again under a new event id, as Stripe sometimes sends."""
        return self.emit(
            event.type,
            event.data_object,
            previous_attributes=event.previous_attributes,
            request_id=event.request_id,
            idempotency_key=event.idempotency_key,
        )

    def reset(self, *, seed: int | None = None, keep_endpoints: bool = True) -> None:
        """Every object and event gone (the endpoints too unless kept). The ids go on from the
        same stream, never repeating; a ``seed`` replays the stream from its start instead."""
        if not keep_endpoints:
            self.endpoints.clear()
        if seed is not None:
            self.seed = seed
            kept = [id_ for e in self.endpoints.values() for id_ in (e.id, *e.secrets)]
            self.ids.replay(seed, kept)
        for registry in (self.products, self.prices, self.sessions, self.payment_intents):
            registry.clear()
        self.charges.clear()
        self.events.clear()
        self.session_order.clear()
        self.event_order.clear()
        self.idempotent_responses.clear()
