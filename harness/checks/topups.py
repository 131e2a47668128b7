"""What the app and Stripe recorded about the scenario's top-ups: the app's record of each one
(its status and which path credited it, read through ``capabilities.fulfilment``), Stripe's
session, and what the app's API tells an organisation about a payment."""

from __future__ import annotations

from harness.drivers.records import Records
from harness.money import format_money
from harness.scenario import Scenario

# what a failed check here is about, when no stage of the flow broke (harness.diagnosis.blame)
FAILURE_STAGE = "rescue"
FAILURE_STAGES = {
    "topup_recorded_as": "job",
    "stripe_took_payment": "payment",
    "reference_check_answered": "access",
}

# how people name the paths that credit a top-up -> how the app records them (``fulfilled_by``)
FULFILMENT_PATHS = {
    "webhook": "webhook",
    "landing page": "landing",
    "reconciliation sweep": "reconcile",
}


def topup_fulfilled_by(scenario: Scenario, records: Records, path: str) -> None:
    """The latest top-up is credited, and ``path`` (one of ``FULFILMENT_PATHS``) credited it."""
    scenario.wait_until_quiet()
    record = records.topup(scenario.latest_session)
    if record is None:
        raise AssertionError("the app has no record of the top-up")
    if (record.status, record.fulfilled_by) != ("credited", FULFILMENT_PATHS[path]):
        raise AssertionError(
            f"the top-up is {record.status}, fulfilled by {record.fulfilled_by or 'nothing'}"
        )


def every_topup_fulfilled_by_webhook(scenario: Scenario, records: Records) -> None:
    scenario.wait_until_quiet()
    sessions = scenario.session_ids
    if not sessions:
        raise AssertionError("no top-up was started in this scenario")
    paths = {}
    for session_id in sessions:
        record = records.topup(session_id)
        paths[session_id] = None if record is None else (record.status, record.fulfilled_by)
    if set(paths.values()) != {("credited", "webhook")}:
        raise AssertionError(f"the top-ups stand: {paths}")


def topup_recorded_as(scenario: Scenario, records: Records, status: str) -> None:
    scenario.wait_until_quiet()
    session_id = scenario.latest_session
    record = records.topup(session_id)
    if record is None:
        raise AssertionError(f"the app has no record of the top-up {session_id}")
    if record.status != status:
        raise AssertionError(
            f"the top-up {session_id} is recorded as {record.status!r}"
            f" ({record.failure_reason or 'no reason given'}), expected {status!r}"
        )


def stripe_took_payment(scenario: Scenario, records: Records, amount: int) -> None:
    """Stripe calls the latest session paid, for ``amount`` pence (no wait: Stripe's record is
    final once the customer has paid)."""
    session_id = scenario.latest_session
    session = records.stripe_session(session_id)
    status, total = session.payment_status, session.amount_pence
    if (status, total) != ("paid", amount):
        raise AssertionError(f"Stripe says {session_id} is {status}, {format_money(total)}")


def reference_check_answered(scenario: Scenario, email: str, status: int) -> None:
    """The app's API, asked about the latest payment with the API token of ``email``'s
    organisation, answers ``status``."""
    answer = scenario.api(email).check_top_up(scenario.latest_session)
    if answer.status_code != status:
        raise AssertionError(f"the API answered {answer}")
