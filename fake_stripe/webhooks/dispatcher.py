"""Delivers every event to each enabled endpoint subscribed to its type, as Stripe does.

Each delivery is signed afresh at each attempt with the wall clock (receivers verify against
real time), retried on the fake clock after non-2xx answers (3xx included), timeouts and
connection errors, and shaped by the fault rules. Every attempt is logged, and kept for
``GET /_control/deliveries``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from fake_stripe.account import Account
from fake_stripe.objects.events import Event, WebhookEndpoint
from fake_stripe.webhook_endpoints import signing_secrets
from fake_stripe.webhooks.faults import (
    BEFORE_FIRST_ATTEMPT,
    ON_EVERY_ATTEMPT,
    FaultBook,
    FaultRule,
)
from fake_stripe.webhooks.schedule import RetrySchedule
from fake_stripe.webhooks.signing import signature_header

log = logging.getLogger("fake_stripe.webhooks")

USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
FINISHED = ("succeeded", "failed", "dropped")


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
    state: str = "scheduled"  # scheduled|in_flight|held|waiting|succeeded|failed|dropped
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


class Dispatcher:
    def __init__(
        self,
        account: Account,
        faults: FaultBook,
        schedule: RetrySchedule,
        *,
        timeout: float,
    ) -> None:
        self.account = account
        self.faults = faults
        self.schedule = schedule
        self.timeout = timeout
        self.deliveries: dict[str, Delivery] = {}
        self.attempts: list[AttemptRecord] = []
        self._ids = itertools.count(1)
        self._client: httpx.AsyncClient | None = None
        account.on_event(self.publish)

    @property
    def scheduler(self) -> Any:
        return self.account.scheduler

    async def start(self) -> None:
        self._client = httpx.AsyncClient(
            follow_redirects=False,  # a 3xx answer is a failed delivery, as on Stripe
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    def reset(self) -> None:
        for delivery in self.deliveries.values():
            self._answered(delivery)
        self.deliveries.clear()
        self.attempts.clear()
        self._ids = itertools.count(1)

    # -- from events to deliveries ----------------------------------------------------------------

    def publish(self, event: Event) -> None:
        for endpoint in list(self.account.endpoints.values()):
            if endpoint.subscribed_to(event.type):
                event.awaiting_endpoints.add(endpoint.id)
                self._begin(self._new_delivery(event, endpoint))

    def _new_delivery(
        self, event: Event, endpoint: WebhookEndpoint, manual: bool = False
    ) -> Delivery:
        delivery = Delivery(f"dlv_{next(self._ids)}", event, endpoint, manual=manual)
        delivery.first_answer = asyncio.get_running_loop().create_future()
        self.deliveries[delivery.id] = delivery
        return delivery

    def _begin(self, delivery: Delivery) -> None:
        rules = self.faults.take(BEFORE_FIRST_ATTEMPT, delivery.event, delivery.endpoint, 1)
        delivery.first_faults = [rule.action for rule in rules]
        for rule in rules:
            if rule.action == "reissue":
                self.account.reissue(delivery.event)
        now = self.account.clock.now()
        reorder = next((r for r in rules if r.action == "reorder"), None)
        if any(rule.action == "hold" for rule in rules):
            delivery.state = "held"
            self._answered(delivery)  # Checkout's redirect does not wait for a held delivery
        elif reorder is not None:
            delivery.state = "waiting"
            delivery.waiting_for = reorder.params["after"]
            self._answered(delivery)
        elif delay := sum(r.params["seconds"] for r in rules if r.action == "delay"):
            self._schedule(delivery, now + delay)
            self._answered(delivery)
        else:
            self._schedule(delivery, now)

    def _schedule(self, delivery: Delivery, at: float) -> None:
        delivery.state = "scheduled"
        delivery.due = at
        label = f"deliver {delivery.event.id} to {delivery.endpoint.url}"
        self.scheduler.call_at(at, label, lambda: self._attempt(delivery))

    # -- attempts ---------------------------------------------------------------------------------

    async def _attempt(self, delivery: Delivery) -> None:
        if delivery.state != "scheduled" or delivery.id not in self.deliveries:
            return  # reset, or already delivered by a resend
        delivery.state = "in_flight"
        delivery.attempts += 1
        attempt = delivery.attempts
        rules = self.faults.take(ON_EVERY_ATTEMPT, delivery.event, delivery.endpoint, attempt)
        names = (delivery.first_faults if attempt == 1 else []) + [r.action for r in rules]
        drop = any(rule.action == "drop" for rule in rules)
        fail = next((rule for rule in rules if rule.action == "fail"), None)
        duplicates = [rule for rule in rules if rule.action == "duplicate"]
        if drop:
            record = self._record(delivery, attempt, 0, names)
            record.error = "dropped by fault: never delivered, never retried"
            self._log(record)
            delivery.state = "dropped"
            self._answered(delivery)
            return
        if fail is not None:
            record = self._record(delivery, attempt, 0, names)
            if fail.params["timeout"]:
                record.error = f"timed out after {self.timeout:g} s (fault)"
            else:
                record.status_code = fail.params["status"]
            self._log(record)
        else:
            record = await self._send_with_copies(delivery, attempt, names, rules, duplicates)
        self._after(delivery, record)

    async def _send_with_copies(
        self,
        delivery: Delivery,
        attempt: int,
        names: list[str],
        rules: list[FaultRule],
        duplicates: list[FaultRule],
    ) -> AttemptRecord:
        copies = sum(rule.params["count"] for rule in duplicates)
        if copies and any(rule.params["concurrent"] for rule in duplicates):
            records = await asyncio.gather(
                *(self._send(delivery, attempt, copy, names, rules) for copy in range(copies + 1))
            )
            return records[0]
        record = await self._send(delivery, attempt, 0, names, rules)
        for copy in range(1, copies + 1):
            await self._send(delivery, attempt, copy, names, rules)
        return record

    async def _send(
        self,
        delivery: Delivery,
        attempt: int,
        copy: int,
        names: list[str],
        rules: list[FaultRule],
    ) -> AttemptRecord:
        record = self._record(delivery, attempt, copy, names)
        payload = json.dumps(delivery.event.to_stripe(), indent=2).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Stripe-Signature": self._signature(delivery, payload, rules),
        }
        assert self._client is not None, "Dispatcher.start() was not awaited"
        started = time.perf_counter()
        try:
            response = await self._client.post(
                delivery.endpoint.url, content=payload, headers=headers, timeout=self.timeout
            )
            record.status_code = response.status_code
        except httpx.TimeoutException:
            record.error = f"timed out after {self.timeout:g} s"
        except httpx.HTTPError as error:
            record.error = f"connection failed: {type(error).__name__}: {error}"
        record.duration_ms = round((time.perf_counter() - started) * 1000, 2)
        self._log(record)
        return record

    def _signature(self, delivery: Delivery, payload: bytes, rules: list[FaultRule]) -> str:
        secrets = signing_secrets(self.account, delivery.endpoint)
        timestamp = int(time.time())  # the wall clock: receivers check signatures on real time
        for rule in rules:
            if rule.action == "wrong_secret":
                secrets = ["whsec_not_the_endpoints_secret_0000000000"]
            elif rule.action == "stale_timestamp":
                timestamp -= int(rule.params["age_seconds"])
        header = signature_header(payload, secrets, timestamp)
        if any(rule.action == "corrupt_signature" for rule in rules):
            header = _corrupt(header)
        return header

    def _after(self, delivery: Delivery, record: AttemptRecord) -> None:
        event, endpoint = delivery.event, delivery.endpoint
        if record.succeeded:
            delivery.state = "succeeded"
            self._mark_delivered(event, endpoint, delivery)
            self._release_waiting(endpoint, event.type)
        elif delivery.manual:
            delivery.state = "failed"
        elif (delay := self.schedule.delay_after(record.attempt)) is not None:
            self._schedule(delivery, self.account.clock.now() + delay)
        else:
            delivery.state = "failed"
            log.warning(
                "giving up on %s (%s) to %s after %d attempts",
                event.id,
                event.type,
                endpoint.url,
                record.attempt,
            )
        self._answered(delivery)

    def _mark_delivered(self, event: Event, endpoint: WebhookEndpoint, by: Delivery) -> None:
        """The event reached the endpoint: it is no longer pending there, and any other delivery
        of it to the same endpoint (a retry waiting, after a resend got there) stops."""
        event.awaiting_endpoints.discard(endpoint.id)
        for other in self.deliveries.values():
            same = other.event is event and other.endpoint is endpoint and other is not by
            if same and other.state in ("scheduled", "held", "waiting"):
                other.state = "succeeded"
                self._answered(other)

    def _release_waiting(self, endpoint: WebhookEndpoint, delivered_type: str) -> None:
        for delivery in self.deliveries.values():
            if (
                delivery.state == "waiting"
                and delivery.endpoint is endpoint
                and delivery.waiting_for == delivered_type
            ):
                self._schedule(delivery, self.account.clock.now())

    def _record(
        self, delivery: Delivery, attempt: int, copy: int, names: list[str]
    ) -> AttemptRecord:
        return AttemptRecord(
            delivery_id=delivery.id,
            event_id=delivery.event.id,
            event_type=delivery.event.type,
            object_id=delivery.event.object_id,
            endpoint_id=delivery.endpoint.id,
            endpoint_url=delivery.endpoint.url,
            attempt=attempt,
            copy=copy,
            scheduled_at=delivery.due or self.account.clock.now(),
            sent_at=self.account.clock.now(),
            faults=list(names),
        )

    def _log(self, record: AttemptRecord) -> None:
        self.attempts.append(record)
        outcome = record.status_code if record.status_code is not None else record.error
        log.info(
            "delivery %s %s %s -> %s attempt %d%s: %s%s%s",
            record.event_id,
            record.event_type,
            record.object_id or "-",
            record.endpoint_url,
            record.attempt,
            f" copy {record.copy}" if record.copy else "",
            outcome,
            f" in {record.duration_ms:g} ms" if record.duration_ms is not None else "",
            f" [faults: {', '.join(record.faults)}]" if record.faults else "",
        )

    def _answered(self, delivery: Delivery) -> None:
        if delivery.first_answer is not None and not delivery.first_answer.done():
            delivery.first_answer.set_result(None)

    # -- control -----------------------------------------------------------------------------------

    def release(self, delivery_ids: Iterable[str] | None = None) -> list[Delivery]:
        """Send held or reordered deliveries now, one after another in the order given
        (creation order when no ids are given)."""
        if delivery_ids is None:
            chosen = [d for d in self.deliveries.values() if d.state in ("held", "waiting")]
        else:
            chosen = []
            for delivery_id in delivery_ids:
                delivery = self.deliveries.get(delivery_id)
                if delivery is None or delivery.state not in ("held", "waiting"):
                    raise KeyError(delivery_id)
                chosen.append(delivery)
        for delivery in chosen:
            delivery.state = "released"

        async def in_order() -> None:
            for delivery in chosen:
                delivery.state = "scheduled"
                delivery.due = self.account.clock.now()
                await self._attempt(delivery)

        if chosen:
            self.scheduler.start("release held deliveries", in_order())
        return chosen

    def resend(self, event: Event, endpoint_id: str | None = None) -> list[Delivery]:
        """Deliver the event again now (Stripe's "Resend"), to one endpoint or all subscribed."""
        targets = [
            endpoint
            for endpoint in self.account.endpoints.values()
            if (endpoint_id is None and endpoint.subscribed_to(event.type))
            or endpoint.id == endpoint_id
        ]
        deliveries = [self._new_delivery(event, endpoint, manual=True) for endpoint in targets]
        for delivery in deliveries:
            self._schedule(delivery, self.account.clock.now())
        return deliveries

    async def wait_first_answers(self, events: Iterable[Event], timeout: float) -> bool:
        """Wait until the first attempt of each delivery of these events was answered (or a
        fault withheld it). False when the wait ran out."""
        wanted = {event.id for event in events}
        futures = [
            d.first_answer
            for d in self.deliveries.values()
            if d.event.id in wanted and d.first_answer is not None and not d.first_answer.done()
        ]
        if not futures:
            return True
        _, pending = await asyncio.wait(futures, timeout=timeout)
        return not pending

    def pending(self) -> list[Delivery]:
        return [d for d in self.deliveries.values() if d.state not in FINISHED]


def _corrupt(header: str) -> str:
    """Flip the last hex digit of every v1 signature."""
    parts = []
    for part in header.split(","):
        if part.startswith("v1="):
            last = part[-1]
            part = part[:-1] + ("0" if last != "0" else "1")
        parts.append(part)
    return ",".join(parts)
