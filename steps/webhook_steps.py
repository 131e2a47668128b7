"""Stripe's webhooks on the way to the app

Faults at the fake (failures, timeouts, drops, duplicates, reissues, delays, holds, reordering,
bad signatures), the fake's clock, the reconciliation sweep, the delivery log, and the rejected
signatures an admin sees in the webhook metrics.

Which deliveries a fault touches is said the same way everywhere (WHICH): `the next delivery`,
`the next 3 deliveries` or `every delivery` of an event type. A fault is in place before the
payment it is meant for; the fake's clock moves only when a step says so.
"""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from harness.checks import deliveries
from harness.checks.api_faults import sweep_runs
from harness.checks.pipeline import rejected_signature_listed
from harness.drivers.ops_view import OpsView
from harness.drivers.webhook_faults import Outage, WebhookFaults
from harness.profile.needs import needs
from harness.scenario import Scenario
from steps.sentences import ANSWER_LIST, ANSWERS, DURATION, EVENT, SECONDS, TIMES, WHICH

# -- the endpoint's answer ---------------------------------------------------------------------


@given(
    parsers.re(rf"{WHICH} of (?P<event_type>{EVENT}) fails? with (?P<status>\d{{3}})"),
    converters={**TIMES, "status": int},
)
def deliveries_fail(
    webhook_faults: WebhookFaults, which: int | None, event_type: str, status: int
) -> None:
    """Given WHICH of EVENT fail(s) with STATUS

    Example: Given the next 3 deliveries of checkout.session.completed fail with 500

    Stripe retries a failed delivery on its schedule: 5 minutes, 30 minutes and 2 hours after.
    """
    webhook_faults.fail(event_type, status=status, times=which)


@given(parsers.re(rf"{WHICH} of (?P<event_type>{EVENT}) times? out"), converters=TIMES)
def deliveries_time_out(webhook_faults: WebhookFaults, which: int | None, event_type: str) -> None:
    """Given WHICH of EVENT time(s) out

    Example: Given the next delivery of checkout.session.completed times out

    No answer in time; retried like any failure.
    """
    webhook_faults.time_out(event_type, times=which)


@given(parsers.re(rf"{WHICH} of (?P<event_type>{EVENT}) (?:is|are) dropped"), converters=TIMES)
def deliveries_dropped(webhook_faults: WebhookFaults, which: int | None, event_type: str) -> None:
    """Given WHICH of EVENT is/are dropped

    Example: Given every delivery of checkout.session.completed is dropped

    Lost on the way: never reaches the app, never retried.
    """
    webhook_faults.drop(event_type, times=which)


@given("the webhook endpoint is down", target_fixture="outage")
def endpoint_down(webhook_faults: WebhookFaults) -> Outage:
    """Given the webhook endpoint is down

    Example: Given the webhook endpoint is down

    Every delivery of every event is answered 503 until the endpoint comes back; Stripe retries
    each on its schedule, then gives up.
    """
    return webhook_faults.endpoint_down()


@when("the webhook endpoint comes back")
def endpoint_comes_back(webhook_faults: WebhookFaults, outage: Outage) -> None:
    """When the webhook endpoint comes back

    Example: When the webhook endpoint comes back

    The retries still due get through (`When the clock advances DURATION`).
    """
    webhook_faults.endpoint_back(outage)


# -- more than once ----------------------------------------------------------------------------


@given(
    parsers.re(
        rf"each (?P<event_type>{EVENT}) is delivered (?P<count>\d+) more times?,?"
        r" (?P<how>one after another|at once)"
    ),
    converters={"count": int},
)
def deliveries_duplicated(
    webhook_faults: WebhookFaults, event_type: str, count: int, how: str
) -> None:
    """Given each EVENT is delivered N more time(s), one after another / at once

    Example: Given each checkout.session.completed is delivered 2 more times, one after another

    Example: Given each checkout.session.completed is delivered 5 more times at once
    """
    webhook_faults.duplicate(event_type, count=count, concurrent=how == "at once")


@given(parsers.re(rf"each (?P<event_type>{EVENT}) is reissued under a new event id"))
def events_reissued(webhook_faults: WebhookFaults, event_type: str) -> None:
    """Given each EVENT is reissued under a new event id

    Example: Given each checkout.session.completed is reissued under a new event id

    The same change sent again as a second Event object, as Stripe sometimes does.
    """
    webhook_faults.reissue(event_type)


# -- later, or in another order ----------------------------------------------------------------


@given(
    parsers.re(rf"{WHICH} of (?P<event_type>{EVENT}) (?:is|are) delayed by {DURATION}"),
    converters={**TIMES, **SECONDS},
)
@given(
    parsers.re(rf"(?P<event_type>{EVENT}) deliveries are delayed by {DURATION}"), converters=SECONDS
)
def deliveries_delayed(
    webhook_faults: WebhookFaults, event_type: str, duration: int, which: int | None = None
) -> None:
    """Given WHICH of EVENT is/are delayed by DURATION

    Given EVENT deliveries are delayed by DURATION

    Example: Given checkout.session.completed deliveries are delayed by 3 hours

    Example: Given the next delivery of checkout.session.completed is delayed by 30 minutes

    The first attempt waits that long on the fake's clock (`When the clock advances DURATION`).
    """
    webhook_faults.delay(event_type, duration, times=which)


@given(parsers.re(rf"{WHICH} of (?P<event_type>{EVENT}) (?:is|are) held"), converters=TIMES)
def deliveries_held(webhook_faults: WebhookFaults, which: int | None, event_type: str) -> None:
    """Given WHICH of EVENT is/are held

    Example: Given every delivery of checkout.session.completed is held

    Kept back until the held deliveries are released.
    """
    webhook_faults.hold(event_type, times=which)


@when(parsers.re(r"the held deliveries are released(?: (?P<order>in order|newest first))?"))
def held_released(webhook_faults: WebhookFaults, order: str | None) -> None:
    """When the held deliveries are released [in order / newest first]

    Example: When the held deliveries are released

    Example: When the held deliveries are released newest first

    All at once, in the order they were held unless newest first.
    """
    webhook_faults.release(newest_first=order == "newest first")


@when(
    parsers.re(
        r"the held deliveries are released one at a time(?:, (?P<order>in order|newest first))?"
    )
)
def held_released_one_at_a_time(
    wallet_scenario: Scenario, webhook_faults: WebhookFaults, order: str | None
) -> None:
    """When the held deliveries are released one at a time[, in order / newest first]

    Example: When the held deliveries are released one at a time, newest first

    Each once the app is quiet after the one before: the order they arrive in is the order the
    app processes them in.
    """
    webhook_faults.release(
        newest_first=order == "newest first", after_each=wallet_scenario.wait_until_quiet
    )


@given(
    parsers.re(
        rf"{WHICH} of (?P<event_type>{EVENT}) (?:is|are) held back until"
        rf" (?:a|an|the next) (?P<after>{EVENT}) has been delivered"
    ),
    converters=TIMES,
)
def deliveries_reordered(
    webhook_faults: WebhookFaults, which: int | None, event_type: str, after: str
) -> None:
    """Given WHICH of EVENT is/are held back until a/an/the next EVENT has been delivered

    Example: Given every delivery of checkout.session.completed is held back until a
    checkout.session.async_payment_succeeded has been delivered
    """
    webhook_faults.reorder(event_type, after=after, times=which)


# -- signatures --------------------------------------------------------------------------------


@given(
    parsers.re(
        rf"{WHICH} of (?P<event_type>{EVENT})"
        r" (?:has a corrupted signature|have corrupted signatures)"
    ),
    converters=TIMES,
)
def signatures_corrupted(webhook_faults: WebhookFaults, which: int | None, event_type: str) -> None:
    """Given WHICH of EVENT has a corrupted signature / have corrupted signatures

    Example: Given the next delivery of checkout.session.completed has a corrupted signature
    """
    webhook_faults.corrupt_signature(event_type, times=which)


@given(
    parsers.re(rf"{WHICH} of (?P<event_type>{EVENT}) (?:is|are) signed with the wrong secret"),
    converters=TIMES,
)
def signed_with_wrong_secret(
    webhook_faults: WebhookFaults, which: int | None, event_type: str
) -> None:
    """Given WHICH of EVENT is/are signed with the wrong secret

    Example: Given every delivery of checkout.session.completed is signed with the wrong secret
    """
    webhook_faults.sign_with_wrong_secret(event_type, times=which)


@given(
    parsers.re(rf"{WHICH} of (?P<event_type>{EVENT}) (?:is|are) signed {DURATION} in the past"),
    converters={**TIMES, **SECONDS},
)
def signed_in_the_past(
    webhook_faults: WebhookFaults, which: int | None, event_type: str, duration: int
) -> None:
    """Given WHICH of EVENT is/are signed DURATION in the past

    Example: Given every delivery of checkout.session.completed is signed 10 minutes in the past

    Older than the app's 5-minute tolerance for a signature's timestamp.
    """
    webhook_faults.sign_in_the_past(event_type, duration, times=which)


# -- time and the sweep ------------------------------------------------------------------------


@when(parsers.re(rf"the clock advances {DURATION}"), converters=SECONDS)
def clock_advances(webhook_faults: WebhookFaults, duration: int) -> None:
    """When the clock advances DURATION

    Example: When the clock advances 2 hours

    The fake's clock: every retry, delay, settlement and expiry due on the way runs, in order,
    before the next step.
    """
    webhook_faults.advance(duration)


@when(parsers.re(r"the reconciliation sweep runs(?: again)?"))
@given("the reconciliation sweep has run")
@needs("capabilities.reconcile")
def reconciliation_sweep_runs(wallet_scenario: Scenario) -> None:
    """When the reconciliation sweep runs [again]

    Given the reconciliation sweep has run

    Example: When the reconciliation sweep runs

    Example: Given the reconciliation sweep has run

    The app's own `reconcile` command, once the stack is quiet: it reads Stripe's event list
    and credits what the webhooks left behind.
    """
    sweep_runs(wallet_scenario)


# -- the delivery log --------------------------------------------------------------------------


@then(
    parsers.re(
        rf"the delivery log(?: of (?P<event_type>{EVENT}))? shows attempts answered {ANSWERS}"
    ),
    converters=ANSWER_LIST,
)
def delivery_log_shows(
    wallet_scenario: Scenario,
    webhook_faults: WebhookFaults,
    answers: list[str],
    event_type: str | None,
) -> None:
    """Then the delivery log [of EVENT] shows attempts answered ANSWERS

    Example: Then the delivery log shows attempts answered 500, 500, 500, 200

    Example: Then the delivery log of checkout.session.completed shows attempts answered
    no answer, 200

    Every attempt for the latest payment, in the order the fake made them.
    """
    deliveries.delivery_log_shows(wallet_scenario, webhook_faults, answers, event_type)


@then(
    parsers.re(rf"every delivery(?: of (?P<event_type>{EVENT}))? was answered (?P<status>\d{{3}})")
)
def every_delivery_answered(
    wallet_scenario: Scenario, webhook_faults: WebhookFaults, status: str, event_type: str | None
) -> None:
    """Then every delivery [of EVENT] was answered STATUS

    Example: Then every delivery was answered 400
    """
    deliveries.every_delivery_answered(wallet_scenario, webhook_faults, status, event_type)


@then(parsers.re(rf"the app never received (?P<event_type>{EVENT})"))
def never_received(
    wallet_scenario: Scenario, webhook_faults: WebhookFaults, event_type: str
) -> None:
    """Then the app never received EVENT

    Example: Then the app never received checkout.session.completed

    It was sent for the latest payment, and every attempt was dropped on the way.
    """
    deliveries.never_received(wallet_scenario, webhook_faults, event_type)


@then(parsers.re(rf"(?P<event_type>{EVENT}) has not been delivered yet"))
def not_delivered_yet(
    wallet_scenario: Scenario, webhook_faults: WebhookFaults, event_type: str
) -> None:
    """Then EVENT has not been delivered yet

    Example: Then checkout.session.completed has not been delivered yet

    No attempt made, and one waiting (delayed or held).
    """
    deliveries.not_delivered_yet(wallet_scenario, webhook_faults, event_type)


@then(parsers.re(rf"(?P<later>{EVENT}) was delivered after (?P<earlier>{EVENT})"))
def delivered_after(
    wallet_scenario: Scenario, webhook_faults: WebhookFaults, later: str, earlier: str
) -> None:
    """Then EVENT was delivered after EVENT

    Example: Then checkout.session.completed was delivered after
    checkout.session.async_payment_succeeded

    By the first attempt the app answered 2xx.
    """
    deliveries.delivered_after(wallet_scenario, webhook_faults, later, earlier)


@then(
    parsers.re(rf"Stripe sent (?P<event_type>{EVENT}) as (?P<count>\d+) different events"),
    converters={"count": int},
)
def sent_as_events(
    wallet_scenario: Scenario, webhook_faults: WebhookFaults, event_type: str, count: int
) -> None:
    """Then Stripe sent EVENT as N different events

    Example: Then Stripe sent checkout.session.completed as 2 different events
    """
    deliveries.sent_as_events(wallet_scenario, webhook_faults, event_type, count)


# -- the admin's view --------------------------------------------------------------------------


@then(
    parsers.re(r"recent failures list the rejected signature(?: because \"(?P<reason>[^\"]+)\")?")
)
@needs("capabilities.failures_url")
def recent_failures_list_rejection(
    wallet_scenario: Scenario,
    webhook_faults: WebhookFaults,
    ops_view: OpsView,
    reason: str | None,
) -> None:
    """Then recent failures list the rejected signature [because "TEXT"]

    Example: Then recent failures list the rejected signature because "Timestamp outside the
    tolerance zone"

    Example: Then recent failures list the rejected signature

    The admin's webhook metrics list a refused signature of one of the payment's events.
    """
    rejected_signature_listed(wallet_scenario, webhook_faults, ops_view, reason)
