"""Delivers every event to each enabled endpoint subscribed to its type, as Stripe does.

Each delivery is signed afresh at each attempt with the wall clock (receivers verify against
real time), retried on the fake clock after non-2xx answers (3xx included), timeouts and
connection errors, and shaped by the fault rules. Every attempt is logged, and kept for
``GET /_control/deliveries``. This module decides when and what; ``sending`` makes the HTTP
attempt and says what came of it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Iterable

from fake_stripe.clock import Scheduler
from fake_stripe.objects.events import Event, WebhookEndpoint
from fake_stripe.resources.account import Account
from fake_stripe.resources.webhook_endpoints import signing_secrets
from fake_stripe.webhooks.faults import ON_SENT_ATTEMPT, ONCE_PER_EVENT, FaultBook, FaultRule
from fake_stripe.webhooks.records import FINISHED, AttemptRecord, Delivery
from fake_stripe.webhooks.schedule import RetrySchedule
from fake_stripe.webhooks.sending import Sender

log = logging.getLogger("fake_stripe.webhooks")


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
        # indexes over ``deliveries``, so that a delivery's answer costs the same in a run of
        # ten thousand top-ups as in a run of one: by event id, and the reordered ones waiting
        self._by_event: dict[str, list[Delivery]] = {}
        self._waiting: dict[str, Delivery] = {}
        self.attempts: list[AttemptRecord] = []
        self._ids = itertools.count(1)
        self._sender = Sender(timeout)
        self._next_is_copy = False  # the next event published is a reissue fault's copy
        account.on_event(self.publish)

    @property
    def scheduler(self) -> Scheduler:
        return self.account.scheduler

    async def start(self) -> None:
        await self._sender.start()

    async def close(self) -> None:
        await self._sender.close()

    def reset(self) -> None:
        for delivery in self.deliveries.values():
            self._answered(delivery)
        self.deliveries.clear()
        self._by_event.clear()
        self._waiting.clear()
        self.attempts.clear()
        self._next_is_copy = False
        self._ids = itertools.count(1)

    # -- from events to deliveries ----------------------------------------------------------------

    def publish(self, event: Event) -> None:
        is_copy, self._next_is_copy = self._next_is_copy, False
        targets = [e for e in self.account.endpoints.values() if e.subscribed_to(event.type)]
        deliveries = []
        for endpoint in targets:
            event.awaiting_endpoints.add(endpoint.id)
            deliveries.append(self._new_delivery(event, endpoint))
        # a reissue is decided once per event (not per endpoint), and never for a copy
        reissue = not is_copy and any(
            self.faults.take(ONCE_PER_EVENT, event, endpoint, 1) for endpoint in targets
        )
        marks = ["reissue"] if reissue else ["reissued_copy"] if is_copy else []
        for delivery in deliveries:
            self._begin(delivery, marks)
        if reissue:
            self._next_is_copy = True  # account.reissue publishes the copy before it returns
            self.account.reissue(event)

    def _new_delivery(
        self, event: Event, endpoint: WebhookEndpoint, manual: bool = False
    ) -> Delivery:
        delivery = Delivery(f"dlv_{next(self._ids)}", event, endpoint, manual=manual)
        delivery.first_answer = asyncio.get_running_loop().create_future()
        self.deliveries[delivery.id] = delivery
        self._by_event.setdefault(event.id, []).append(delivery)
        return delivery

    def _begin(self, delivery: Delivery, marks: list[str]) -> None:
        event, endpoint, now = delivery.event, delivery.endpoint, self.account.clock.now()
        # a delay is taken only for a delivery no hold or reorder keeps back
        rules = self.faults.take(("hold", "reorder"), event, endpoint, 1) or self.faults.take(
            ("delay",), event, endpoint, 1
        )
        delivery.first_faults = marks + [rule.action for rule in rules]
        reorder = next((r for r in rules if r.action == "reorder"), None)
        if any(rule.action == "hold" for rule in rules):
            delivery.state = "held"
            self._answered(delivery)  # Checkout's redirect does not wait for a held delivery
        elif reorder is not None:
            delivery.state = "waiting"
            delivery.waiting_for = reorder.params["after"]
            self._waiting[delivery.id] = delivery
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
        endpoint = delivery.endpoint
        if self.account.endpoints.get(endpoint.id) is not endpoint or endpoint.status != "enabled":
            log.info("not sending %s: endpoint %s deleted or disabled", delivery.id, endpoint.id)
            delivery.state = "cancelled"
            self._answered(delivery)
            return
        delivery.state = "in_flight"
        delivery.attempts += 1
        attempt = delivery.attempts
        event, names = delivery.event, list(delivery.first_faults if attempt == 1 else [])
        if self.faults.take(("drop",), event, endpoint, attempt):
            record = self._record(delivery, attempt, 0, [*names, "drop"])
            record.error = "dropped by fault: never delivered, never retried"
            record.error_kind = "dropped_by_fault"
            self._log(record)
            delivery.state = "dropped"
            self._answered(delivery)
            return
        if fails := self.faults.take(("fail",), event, endpoint, attempt):
            record = self._record(delivery, attempt, 0, [*names, "fail"])
            if fails[0].params["timeout"]:
                record.error = f"timed out after {self.timeout:g} s (fault)"
                record.error_kind = "timeout_by_fault"
            else:
                record.status_code = fails[0].params["status"]
                record.error_kind = "non_2xx_by_fault"
            self._log(record)
        else:
            rules = self.faults.take(ON_SENT_ATTEMPT, event, endpoint, attempt)
            names += [rule.action for rule in rules]
            duplicates = [rule for rule in rules if rule.action == "duplicate"]
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
        payload = delivery.event.payload()
        secrets = signing_secrets(self.account, delivery.endpoint)
        await self._sender.send(record, payload, secrets, rules)
        self._log(record)
        return record

    def _after(self, delivery: Delivery, record: AttemptRecord) -> None:
        event, endpoint = delivery.event, delivery.endpoint
        if record.succeeded:
            delivery.state = "succeeded"
            self._mark_delivered(event, endpoint, delivery)
            self._release_waiting(endpoint, event.type)
        elif delivery.manual:
            delivery.state = "failed"
        elif (delay := self.schedule.delay_after(record.attempt)) is not None:
            # the schedule counts from the start of the failed attempt, as the log shows it
            self._schedule(delivery, record.sent_at + delay)
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
        for other in self._by_event.get(event.id, ()):
            same = other.endpoint is endpoint and other is not by
            if same and other.state in ("scheduled", "held", "waiting"):
                other.state = "succeeded"
                self._waiting.pop(other.id, None)
                self._answered(other)

    def _release_waiting(self, endpoint: WebhookEndpoint, delivered_type: str) -> None:
        for delivery in list(self._waiting.values()):
            if delivery.state != "waiting":  # released by hand, or delivered by a resend
                del self._waiting[delivery.id]
            elif delivery.endpoint is endpoint and delivery.waiting_for == delivered_type:
                del self._waiting[delivery.id]
                delivery.waiting_for = None
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
        log.info("delivery %s", record.summary())

    def _answered(self, delivery: Delivery) -> None:
        if delivery.first_answer is not None and not delivery.first_answer.done():
            delivery.first_answer.set_result(None)

    # -- control -----------------------------------------------------------------------------------

    def release(self, delivery_ids: Iterable[str] | None = None) -> list[Delivery]:
        """Send held or reordered deliveries now, one after another in the order given
        (creation order when no ids are given). KeyError names an id that is not held."""
        if delivery_ids is None:
            chosen = [d for d in self.deliveries.values() if d.state in ("held", "waiting")]
        else:
            chosen = []
            for delivery_id in delivery_ids:
                delivery = self.deliveries.get(delivery_id)
                if delivery is None or delivery.state not in ("held", "waiting"):
                    raise KeyError(delivery_id)
                if delivery in chosen:
                    raise ValueError(f"{delivery_id} is listed twice")
                chosen.append(delivery)
        for delivery in chosen:
            delivery.state = "released"
            delivery.waiting_for = None

        async def in_order() -> None:
            for delivery in chosen:
                if delivery.state != "released":
                    continue  # delivered meanwhile by a resend
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
        futures = [
            d.first_answer
            for event in events
            for d in self._by_event.get(event.id, ())
            if d.first_answer is not None and not d.first_answer.done()
        ]
        if not futures:
            return True
        _, pending = await asyncio.wait(futures, timeout=timeout)
        return not pending

    def pending(self) -> list[Delivery]:
        return [d for d in self.deliveries.values() if d.state not in FINISHED]
