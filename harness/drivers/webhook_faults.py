"""What happens to Stripe's webhooks on the way to the app, one method per sentence-level
fault, through the fake's control API (``fake_stripe.client.FakeStripeControl``).

Each fault is a rule the fake applies by event type (``times=None``: to every delivery, attempt
or event it matches; ``fake_stripe.client.FAULT_ACTIONS`` says which each action counts). The
fake's clock moves only when told (``advance``), so retries, delays and expiries happen at once
and in order, without waiting real time. ``delivery_log`` reads back every attempt the fake made
for one Checkout Session, as a person would read Stripe's dashboard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fake_stripe.client import DeliveryAttempt, FakeStripeControl, FaultRule, PendingDelivery

NO_ANSWER = "no answer"  # a timeout or a refused connection: the endpoint said nothing
DROPPED = "dropped"  # lost on the way: never reached the endpoint, never retried
Outage = FaultRule  # what endpoint_down returns and endpoint_back ends


@dataclass(frozen=True)
class LoggedAttempt:
    """One attempt to deliver one event (a duplicate's copies are attempts of their own)."""

    event_id: str
    event_type: str
    attempt: int  # 1 for the first try, 2 for the first retry, ...
    copy: int  # 0 for the delivery itself, 1.. for a duplicate fault's extra copies
    answer: str  # the HTTP status ("200"), NO_ANSWER or DROPPED
    sent_at: float  # on the fake's clock
    faults: tuple[str, ...]
    error: str | None

    @classmethod
    def of(cls, attempt: DeliveryAttempt) -> LoggedAttempt:
        if attempt.status_code is not None:
            answer = str(attempt.status_code)
        elif "drop" in attempt.faults:
            answer = DROPPED
        else:
            answer = NO_ANSWER
        return cls(
            event_id=attempt.event_id,
            event_type=attempt.event_type,
            attempt=attempt.attempt,
            copy=attempt.copy,
            answer=answer,
            sent_at=attempt.sent_at,
            faults=tuple(attempt.faults),
            error=attempt.error,
        )

    def __str__(self) -> str:
        copy = f" copy {self.copy}" if self.copy else ""
        faults = f" [{', '.join(self.faults)}]" if self.faults else ""
        return (
            f"{self.event_type} {self.event_id} attempt {self.attempt}{copy}: {self.answer}{faults}"
        )


class WebhookFaults:
    def __init__(self, control: FakeStripeControl) -> None:
        self.control = control

    # -- the endpoint's answer -----------------------------------------------------------------

    def fail(self, event_type: str, *, status: int = 500, times: int | None = 1) -> FaultRule:
        """The next ``times`` attempts (retries included) are answered ``status``."""
        return self.control.add_fault("fail", event_type=event_type, times=times, status=status)

    def time_out(self, event_type: str, *, times: int | None = 1) -> FaultRule:
        """The next ``times`` attempts get no answer in time (retried like any failure)."""
        return self.control.add_fault("fail", event_type=event_type, times=times, timeout=True)

    def drop(self, event_type: str, *, times: int | None = None) -> FaultRule:
        """Deliveries lost on the way: never reach the app, never retried."""
        return self.control.add_fault("drop", event_type=event_type, times=times)

    def endpoint_down(self, *, status: int = 503) -> Outage:
        """Every attempt of every event is answered ``status`` until ``endpoint_back``: an
        outage of the app's endpoint (retried on Stripe's schedule, then given up)."""
        return self.control.add_fault("fail", times=None, status=status)

    def endpoint_back(self, outage: Outage) -> None:
        """The outage ``endpoint_down`` began is over; the retries still due get through."""
        self.control.remove_fault(outage.id)

    # -- more than once ------------------------------------------------------------------------

    def duplicate(
        self, event_type: str, *, count: int, concurrent: bool = False, times: int | None = None
    ) -> FaultRule:
        """Each attempt sent ``count`` more times: one after another, or all at once."""
        return self.control.add_fault(
            "duplicate", event_type=event_type, times=times, count=count, concurrent=concurrent
        )

    def reissue(self, event_type: str, *, times: int | None = None) -> FaultRule:
        """Each event sent again as a second Event object (a new ``evt_`` id), as Stripe
        sometimes does for one change."""
        return self.control.add_fault("reissue", event_type=event_type, times=times)

    # -- later, or in another order ------------------------------------------------------------

    def delay(self, event_type: str, seconds: float, *, times: int | None = None) -> FaultRule:
        """Each delivery's first attempt waits ``seconds`` of the fake's clock."""
        return self.control.add_fault("delay", event_type=event_type, times=times, seconds=seconds)

    def hold(self, event_type: str, *, times: int | None = None) -> FaultRule:
        """Deliveries kept back until ``release``."""
        return self.control.add_fault("hold", event_type=event_type, times=times)

    def release(
        self, *, newest_first: bool = False, after_each: Callable[[], None] | None = None
    ) -> list[str]:
        """Send every held delivery now: in the order they were held, or newest first. With
        ``after_each`` (e.g. waiting until the app is quiet), one at a time, calling it after
        each: the app's worker runs several jobs at once, so only that makes the order in
        which deliveries arrive the order in which they are processed. Returns the delivery
        ids in the order sent."""
        held = [d for d in self.control.deliveries().pending if d.state == "held"]
        ids = [d.id for d in sorted(held, key=_creation_order, reverse=newest_first)]
        if not ids:
            raise AssertionError("no delivery is held: nothing to release")
        if after_each is None:
            return self.control.release(ids)
        for delivery_id in ids:
            self.control.release([delivery_id])
            after_each()
        return ids

    def reorder(self, event_type: str, *, after: str, times: int | None = None) -> FaultRule:
        """Each delivery waits until the next event of type ``after`` has been delivered to the
        same endpoint."""
        return self.control.add_fault("reorder", event_type=event_type, times=times, after=after)

    # -- signatures ----------------------------------------------------------------------------

    def corrupt_signature(self, event_type: str, *, times: int | None = None) -> FaultRule:
        return self.control.add_fault("corrupt_signature", event_type=event_type, times=times)

    def sign_with_wrong_secret(self, event_type: str, *, times: int | None = None) -> FaultRule:
        return self.control.add_fault("wrong_secret", event_type=event_type, times=times)

    def sign_in_the_past(
        self, event_type: str, age_seconds: float, *, times: int | None = None
    ) -> FaultRule:
        return self.control.add_fault(
            "stale_timestamp", event_type=event_type, times=times, age_seconds=age_seconds
        )

    # -- time ----------------------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Move the fake's clock; every retry, delay, expiry and settlement due on the way runs
        before this returns."""
        self.control.advance(seconds=seconds)

    # -- what happened -------------------------------------------------------------------------

    def delivery_log(self, session_id: str, event_type: str | None = None) -> list[LoggedAttempt]:
        """Every attempt to deliver the session's events (of ``event_type`` when given), in the
        order the fake made them."""
        deliveries = self.control.deliveries(object_id=session_id, event_type=event_type)
        return [LoggedAttempt.of(attempt) for attempt in deliveries.attempts]

    def answers(self, session_id: str, event_type: str | None = None) -> list[str]:
        return [attempt.answer for attempt in self.delivery_log(session_id, event_type)]

    def event_ids(self, session_id: str, event_type: str | None = None) -> list[str]:
        """The distinct events the fake tried to deliver for the session, first tried first."""
        seen: list[str] = []
        for attempt in self.delivery_log(session_id, event_type):
            if attempt.event_id not in seen:
                seen.append(attempt.event_id)
        return seen

    def pending(self, session_id: str) -> list[PendingDelivery]:
        """Deliveries not finished yet: scheduled retries, delayed, held or waiting ones."""
        return self.control.deliveries(object_id=session_id).pending


def _creation_order(delivery: PendingDelivery) -> int:
    """``dlv_12`` -> 12: the fake numbers deliveries as it creates them."""
    return int(delivery.id.rsplit("_", 1)[1])


def describe(log: list[LoggedAttempt]) -> str:
    """The log as lines, for an assertion's message."""
    return "\n".join(f"  {attempt}" for attempt in log) or "  (no attempts)"
