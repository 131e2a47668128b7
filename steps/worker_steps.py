"""Steps about the app's queue worker: stopped while payments arrive, started again, and what
waits in the queue meanwhile."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from harness.drivers.ops_view import OpsView
from harness.drivers.records import Records
from harness.drivers.stripe_account import StripeAccount
from harness.drivers.worker import Worker
from harness.scenario import Scenario
from steps.sentences import MONEY, sentence

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


@given(
    sentence(r"a Checkout Session for (?P<amount>{money}) was created at Stripe outside the app"),
    converters=MONEY,
)
def session_created_elsewhere(
    wallet_scenario: Scenario, stripe_account: StripeAccount, amount: int
) -> None:
    wallet_scenario.note_api_session(stripe_account.create_session_elsewhere(amount))


@then(
    parsers.re(
        rf"the app keeps the payment's (?P<event_type>{EVENT}) as a failed job after"
        r" (?P<attempts>\d+) attempts"
    )
)
def kept_as_failed_job(
    wallet_scenario: Scenario, worker: Worker, event_type: str, attempts: str
) -> None:
    wallet_scenario.wait_until_quiet()
    events = [
        e for e in worker.events_for(wallet_scenario.latest_session) if e.event_type == event_type
    ]
    shown = "; ".join(str(event) for event in events) or "nothing stored"
    assert len(events) == 1, f"the app stored {len(events)} {event_type} event(s): {shown}"
    event = events[0]
    expected = ("failed", ("failed",), (int(attempts),))
    assert (event.inbox_status, event.job_statuses, event.job_attempts) == expected, (
        f"expected the event failed and its job failed after {attempts} attempts: {shown}"
    )


@then(sentence(r'recent failures list the payment because "(?P<reason>[^"]+)"'))
def recent_failures_list_payment(wallet_scenario: Scenario, ops_view: OpsView, reason: str) -> None:
    session_id = wallet_scenario.latest_session
    failures = ops_view.recent_failures()
    shown = "\n".join(f"  {failure}" for failure in failures) or "  (none)"
    listed = [f for f in failures if f.object_id == session_id and reason in f.error]
    assert listed, f'recent failures do not list {session_id} because "{reason}":\n{shown}'
