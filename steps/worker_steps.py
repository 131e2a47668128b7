"""The app's queue worker

Stopped while payments arrive and started again, what waits in the queue meanwhile, and a
payment the app cannot attribute, kept as a failed job where operations can see it.
"""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from harness.checks import pipeline
from harness.drivers.ops_view import OpsView
from harness.drivers.records import Records
from harness.drivers.stripe_account import StripeAccount
from harness.drivers.worker import Worker
from harness.profile.needs import needs
from harness.scenario import Scenario
from steps.sentences import EVENT, MONEY, sentence


@given("the worker is stopped")
@needs("capabilities.worker")
def worker_stopped(worker: Worker) -> None:
    """Given the worker is stopped

    Example: Given the worker is stopped

    Webhooks are still answered and queued; nothing is credited from the queue.
    """
    worker.stop()


@when("the worker starts again")
@needs("capabilities.worker")
def worker_starts(worker: Worker) -> None:
    """When the worker starts again

    Example: When the worker starts again

    Returns once the new worker's first heartbeat is seen.
    """
    worker.start()


@then(
    parsers.re(
        rf"Stripe's (?P<event_type>{EVENT}) for the payment was accepted and waits in the queue"
    )
)
@needs("capabilities.events_sql and capabilities.jobs_sql or capabilities.queue_probe")
def event_waits_in_queue(
    wallet_scenario: Scenario, records: Records, worker: Worker, event_type: str
) -> None:
    """Then Stripe's EVENT for the payment was accepted and waits in the queue

    Example: Then Stripe's checkout.session.completed for the payment was accepted and waits in
    the queue

    Answered 200 once, stored once, its job still to do (where the profile shows only the
    queue probe's counts: one more job waiting than at the scenario's start).
    """
    pipeline.event_waits_in_queue(wallet_scenario, records, worker, event_type)


@given(
    sentence(r"a Checkout Session for (?P<amount>{money}) was created at Stripe outside the app"),
    converters=MONEY,
)
def session_created_elsewhere(
    wallet_scenario: Scenario, stripe_account: StripeAccount, amount: int
) -> None:
    """Given a Checkout Session for MONEY was created at Stripe outside the app

    Example: Given a Checkout Session for £50.00 was created at Stripe outside the app

    On the Stripe account the app shares, naming none of its organisations; it becomes the
    scenario's latest payment.
    """
    wallet_scenario.note_api_session(stripe_account.create_session_elsewhere(amount))


@given(
    sentence(r'another service opened Checkout for (?P<amount>{money}) for "(?P<email>[^"]+)"'),
    converters=MONEY,
)
def session_for_org_created_elsewhere(
    wallet_scenario: Scenario, stripe_account: StripeAccount, amount: int, email: str
) -> None:
    """Given another service opened Checkout for MONEY for "EMAIL"

    Example: Given another service opened Checkout for £50.00 for "test@demo.com"

    A Checkout Session made at Stripe outside the app, for the wallet of EMAIL's organisation
    (its `client_reference_id`): the app has no record of it. It becomes the scenario's latest
    payment.
    """
    org_id = wallet_scenario.stack.account(email).org_id
    wallet_scenario.note_api_session(stripe_account.create_session_elsewhere(amount, org_id))


@then(
    parsers.re(
        rf"the app keeps the payment's (?P<event_type>{EVENT}) as a failed job after"
        r" (?P<attempts>\d+) attempts"
    ),
    converters={"attempts": int},
)
@needs("capabilities.events_sql", "capabilities.jobs_sql")
def kept_as_failed_job(
    wallet_scenario: Scenario, worker: Worker, event_type: str, attempts: int
) -> None:
    """Then the app keeps the payment's EVENT as a failed job after N attempts

    Example: Then the app keeps the payment's checkout.session.completed as a failed job after
    3 attempts

    The stored event failed, and its one job failed after its retries (not marked done).
    """
    pipeline.kept_as_failed_job(wallet_scenario, worker, event_type, attempts)


@then(sentence(r'recent failures list the payment because "(?P<reason>[^"]+)"'))
@needs("capabilities.failures_url")
def recent_failures_list_payment(wallet_scenario: Scenario, ops_view: OpsView, reason: str) -> None:
    """Then recent failures list the payment because "TEXT"

    Example: Then recent failures list the payment because "names no organisation"

    The admin's webhook metrics list the latest payment with an error containing the text.
    """
    pipeline.payment_failure_listed(wallet_scenario, ops_view, reason)
