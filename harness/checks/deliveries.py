"""What the fake's delivery log says about the scenario's latest payment: which attempts were
made, how the app answered each, in which order events arrived, and what still waits.

Each check waits until the stack is quiet (held, delayed and future retries stay pending) and
shows the log in its message.
"""

from __future__ import annotations

from harness.drivers.webhook_faults import DROPPED, WebhookFaults, describe
from harness.scenario import Scenario

# what a failed check here is about, when no stage of the flow broke (harness.diagnosis.blame)
FAILURE_STAGE = "delivery"


def delivery_log_shows(
    scenario: Scenario, webhook_faults: WebhookFaults, answers: list[str], event_type: str | None
) -> None:
    """The attempts for the payment (of ``event_type``, when given) were answered ``answers``,
    in order: an HTTP status, ``no answer`` or ``dropped`` each."""
    scenario.wait_until_quiet()
    log = webhook_faults.delivery_log(scenario.latest_session, event_type)
    actual = [attempt.answer for attempt in log]
    if actual != answers:
        raise AssertionError(
            f"the delivery log shows {actual}, expected {answers}:\n{describe(log)}"
        )


def every_delivery_answered(
    scenario: Scenario, webhook_faults: WebhookFaults, status: str, event_type: str | None
) -> None:
    scenario.wait_until_quiet()
    log = webhook_faults.delivery_log(scenario.latest_session, event_type)
    if not log:
        raise AssertionError("nothing was delivered for the payment")
    others = [attempt for attempt in log if attempt.answer != status]
    if others:
        raise AssertionError(f"not every delivery was answered {status}:\n{describe(log)}")


def never_received(scenario: Scenario, webhook_faults: WebhookFaults, event_type: str) -> None:
    """``event_type`` was sent for the payment, and every attempt was dropped on the way."""
    scenario.wait_until_quiet()
    log = webhook_faults.delivery_log(scenario.latest_session, event_type)
    if not log:
        raise AssertionError(f"no {event_type} was even sent for the payment")
    received = [attempt for attempt in log if attempt.answer != DROPPED]
    if received:
        raise AssertionError(f"the app received {event_type}:\n{describe(log)}")


def not_delivered_yet(scenario: Scenario, webhook_faults: WebhookFaults, event_type: str) -> None:
    """No attempt of ``event_type`` was made for the payment, and one waits to be made."""
    scenario.wait_until_quiet()
    session_id = scenario.latest_session
    log = webhook_faults.delivery_log(session_id, event_type)
    if log:
        raise AssertionError(f"{event_type} was already sent:\n{describe(log)}")
    waiting = [d for d in webhook_faults.pending(session_id) if d.event_type == event_type]
    if not waiting:
        raise AssertionError(f"no {event_type} is waiting to be delivered either")


def delivered_after(
    scenario: Scenario, webhook_faults: WebhookFaults, later: str, earlier: str
) -> None:
    """The first 2xx answer to ``earlier`` came before the first 2xx answer to ``later``."""
    scenario.wait_until_quiet()
    log = webhook_faults.delivery_log(scenario.latest_session)
    firsts: dict[str, int] = {}  # event type -> position of its first 2xx answer
    for position, attempt in enumerate(log):
        if attempt.answer.startswith("2"):
            firsts.setdefault(attempt.event_type, position)
    for event_type in (earlier, later):
        if event_type not in firsts:
            raise AssertionError(f"{event_type} was never delivered:\n{describe(log)}")
    if firsts[earlier] >= firsts[later]:
        raise AssertionError(f"{later} was delivered before {earlier}:\n{describe(log)}")


def sent_as_events(
    scenario: Scenario, webhook_faults: WebhookFaults, event_type: str, count: int
) -> None:
    """The fake sent the payment's ``event_type`` as ``count`` distinct events (ids)."""
    scenario.wait_until_quiet()
    session_id = scenario.latest_session
    events = webhook_faults.event_ids(session_id, event_type)
    if len(events) != count:
        raise AssertionError(
            f"{event_type} was sent as {len(events)} events {events}:\n"
            f"{describe(webhook_faults.delivery_log(session_id))}"
        )
