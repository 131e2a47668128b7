"""What the app's webhook pipeline holds for a payment: the event its endpoint accepted, the
queue's job for it, and what an admin sees in the webhook metrics' recent failures."""

from __future__ import annotations

from harness.drivers.forger import Posted
from harness.drivers.ops_view import OpsView
from harness.drivers.records import Records
from harness.drivers.webhook_faults import WebhookFaults
from harness.drivers.worker import Worker
from harness.scenario import Scenario

# what a failed check here is about, when no stage of the flow broke (harness.diagnosis.blame)
FAILURE_STAGE = "queue"
FAILURE_STAGES = {
    "kept_as_failed_job": "job",
    "payment_failure_listed": "job",
    "rejected_signature_listed": "signature",
    "forged_delivery_listed": "signature",
    "forged_delivery_answered": "signature",
}


def event_waits_in_queue(
    scenario: Scenario, records: Records, worker: Worker, event_type: str
) -> None:
    """Stripe's one delivery of the payment's ``event_type`` was answered 200, and the app keeps
    the event queued with one job still to do (no worker has taken it)."""
    scenario.wait_until_quiet()
    session_id = scenario.latest_session
    answers = records.delivery_codes(session_id, event_type)
    if answers != [200]:
        raise AssertionError(f"Stripe's deliveries of {event_type} were answered {answers}")
    if not worker.shows_events:  # jobs outside the database (BullMQ): the probe's count
        _one_more_job_waiting(scenario, worker)
        return
    events = [event for event in worker.events_for(session_id) if event.event_type == event_type]
    shown = "\n".join(f"  {event}" for event in events) or "  (nothing stored)"
    if len(events) != 1:
        raise AssertionError(f"the app stored {len(events)} {event_type} events:\n{shown}")
    if (events[0].inbox_status, events[0].job_statuses) != ("queued", ("todo",)):
        raise AssertionError(f"the event is not waiting in the queue:\n{shown}")


def _one_more_job_waiting(scenario: Scenario, worker: Worker) -> None:
    at_start = scenario.queue_at_start[0] if scenario.queue_at_start else 0
    waiting, failed = worker.queue_counts()
    if waiting != at_start + 1:
        raise AssertionError(
            f"expected one more job waiting in the queue than the {at_start} at the scenario's"
            f" start; the queue probe counts {waiting} waiting, {failed} failed"
        )


def kept_as_failed_job(scenario: Scenario, worker: Worker, event_type: str, attempts: int) -> None:
    """The app stored the payment's ``event_type`` once, as failed, and its one job failed
    after ``attempts`` attempts."""
    scenario.wait_until_quiet()
    events = [e for e in worker.events_for(scenario.latest_session) if e.event_type == event_type]
    shown = "; ".join(str(event) for event in events) or "nothing stored"
    if len(events) != 1:
        raise AssertionError(f"the app stored {len(events)} {event_type} event(s): {shown}")
    event = events[0]
    expected = ("failed", ("failed",), (attempts,))
    if (event.inbox_status, event.job_statuses, event.job_attempts) != expected:
        raise AssertionError(
            f"expected the event failed and its job failed after {attempts} attempts: {shown}"
        )


def rejected_signature_listed(
    scenario: Scenario, webhook_faults: WebhookFaults, ops_view: OpsView, reason: str | None
) -> None:
    """Recent failures list a refused signature of one of the payment's events (saying
    ``reason``, when given)."""
    scenario.wait_until_quiet()
    events = set(webhook_faults.event_ids(scenario.latest_session))
    rejected = ops_view.rejected_signatures()
    listed = [failure for failure in rejected if failure.event_id in events]
    shown = "\n".join(f"  {failure}" for failure in ops_view.recent_failures()) or "  (none)"
    if not listed:
        raise AssertionError(
            f"recent failures do not list a rejected signature of {events}:\n{shown}"
        )
    if reason is not None and not any(reason in failure.error for failure in listed):
        raise AssertionError(f'no rejection of {events} says "{reason}":\n{shown}')


def payment_failure_listed(scenario: Scenario, ops_view: OpsView, reason: str) -> None:
    """Recent failures list the latest payment with an error that says ``reason`` (no wait:
    the failure is what the scenario waited for before)."""
    session_id = scenario.latest_session
    failures = ops_view.recent_failures()
    shown = "\n".join(f"  {failure}" for failure in failures) or "  (none)"
    listed = [f for f in failures if f.object_id == session_id and reason in f.error]
    if not listed:
        raise AssertionError(
            f'recent failures do not list {session_id} because "{reason}":\n{shown}'
        )


def forged_delivery_answered(posted: Posted, status: int) -> None:
    """The app answered the forged (or replayed) request ``status``."""
    if posted.status != status:
        raise AssertionError(
            f"the forged delivery was answered {posted.status}, not {status}: {posted}"
        )


def forged_delivery_listed(
    scenario: Scenario, ops_view: OpsView, posted: Posted, reason: str
) -> None:
    """Recent failures list the forged (or replayed) event by its id, saying ``reason`` (in any
    case: apps word the same refusal differently, "Stripe-Signature header" or
    "stripe-signature header"), once the app has done all it will with it."""
    scenario.wait_until_quiet()
    failures = ops_view.recent_failures()
    shown = "\n".join(f"  {failure}" for failure in failures) or "  (none)"
    listed = [f for f in failures if f.event_id == posted.event_id]
    if not listed:
        raise AssertionError(f"recent failures do not list {posted}:\n{shown}")
    if not any(reason.lower() in failure.error.lower() for failure in listed):
        raise AssertionError(
            f'recent failures list {posted.event_id}, not because "{reason}":\n{shown}'
        )
