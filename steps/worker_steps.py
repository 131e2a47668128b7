"""Steps about the app's queue worker: stopped while payments arrive, started again, and what
waits in the queue meanwhile."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from harness.drivers.records import Records
from harness.drivers.worker import Worker
from harness.scenario import Scenario

EVENT = r"[a-z_]+(?:\.[a-z_]+)+"  # an event type: checkout.session.completed


@given("the worker is stopped")
def worker_stopped(worker: Worker) -> None:
    worker.stop()


@when("the worker starts again")
def worker_starts(worker: Worker) -> None:
    worker.start()


@then(
    parsers.re(
        rf"Stripe's (?P<event_type>{EVENT}) for the payment was accepted and waits in the queue"
    )
)
def event_waits_in_queue(
    wallet_scenario: Scenario, records: Records, worker: Worker, event_type: str
) -> None:
    wallet_scenario.wait_until_quiet()
    session_id = wallet_scenario.latest_session
    answers = records.delivery_codes(session_id, event_type)
    assert answers == [200], f"Stripe's deliveries of {event_type} were answered {answers}"
    events = [event for event in worker.events_for(session_id) if event.event_type == event_type]
    shown = "\n".join(f"  {event}" for event in events) or "  (nothing stored)"
    assert len(events) == 1, f"the app stored {len(events)} {event_type} events:\n{shown}"
    assert (events[0].inbox_status, events[0].job_statuses) == ("queued", ("todo",)), (
        f"the event is not waiting in the queue:\n{shown}"
    )
