"""Steps about Stripe's webhooks on the way to the app: faults at the fake (failures, timeouts,
drops, duplicates, reissues, delays, holds, reordering, bad signatures), the fake's clock, the
reconciliation sweep, the delivery log, and what an admin sees in the webhook metrics.

Which deliveries a fault touches is said the same way everywhere: ``the next delivery``, ``the
next 3 deliveries`` or ``every delivery`` of an event type.
"""

from __future__ import annotations

from collections.abc import Callable

from pytest_bdd import given, parsers, then, when

from harness.drivers.customer import CLOSE_TAB
from harness.drivers.ops_view import OpsView
from harness.drivers.records import Records
from harness.drivers.webhook_faults import DROPPED, WebhookFaults, describe
from harness.durations import DURATION_PATTERN, parse_duration
from harness.money import format_money
from harness.pages.checkout_page import by_bank_debit
from harness.scenario import Scenario
from steps.sentences import MONEY, sentence

EVENT = r"[a-z_]+(?:\.[a-z_]+)+"  # an event type: checkout.session.completed
WHICH = r"(?P<which>the next delivery|the next \d+ deliveries|every delivery)"
ANSWER = r"(?:\d{3}|no answer|dropped)"

Converters = dict[str, Callable[[str], object]]


def _times(which: str) -> int | None:
    """``the next delivery`` -> 1, ``the next 3 deliveries`` -> 3, ``every delivery`` -> None
    (the fault has no bound)."""
    if which == "every delivery":
        return None
    if which == "the next delivery":
        return 1
    return int(which.split()[2])


def _answers(text: str) -> list[str]:
    """``500, 500, no answer, 200`` -> ``["500", "500", "no answer", "200"]``."""
    return [answer.strip() for answer in text.split(",")]


TIMES: Converters = {"which": _times}
DURATION: Converters = {"duration": parse_duration}
ANSWERS: Converters = {"answers": _answers}


# -- the endpoint's answer ---------------------------------------------------------------------


@given(
    parsers.re(rf"{WHICH} of (?P<event_type>{EVENT}) fails? with (?P<status>\d{{3}})"),
    converters={**TIMES, "status": int},
)
def deliveries_fail(
    webhook_faults: WebhookFaults, which: int | None, event_type: str, status: int
) -> None:
    webhook_faults.fail(event_type, status=status, times=which)


@given(parsers.re(rf"{WHICH} of (?P<event_type>{EVENT}) times? out"), converters=TIMES)
def deliveries_time_out(webhook_faults: WebhookFaults, which: int | None, event_type: str) -> None:
    webhook_faults.time_out(event_type, times=which)


@given(parsers.re(rf"{WHICH} of (?P<event_type>{EVENT}) (?:is|are) dropped"), converters=TIMES)
def deliveries_dropped(webhook_faults: WebhookFaults, which: int | None, event_type: str) -> None:
    webhook_faults.drop(event_type, times=which)


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
    webhook_faults.duplicate(event_type, count=count, concurrent=how == "at once")


@given(parsers.re(rf"each (?P<event_type>{EVENT}) is reissued under a new event id"))
def events_reissued(webhook_faults: WebhookFaults, event_type: str) -> None:
    webhook_faults.reissue(event_type)


# -- later, or in another order ----------------------------------------------------------------


@given(
    parsers.re(
        rf"{WHICH} of (?P<event_type>{EVENT}) (?:is|are) delayed by"
        rf" (?P<duration>{DURATION_PATTERN})"
    ),
    converters={**TIMES, **DURATION},
)
@given(
    parsers.re(
        rf"(?P<event_type>{EVENT}) deliveries are delayed by (?P<duration>{DURATION_PATTERN})"
    ),
    converters=DURATION,
)
def deliveries_delayed(
    webhook_faults: WebhookFaults, event_type: str, duration: int, which: int | None = None
) -> None:
    webhook_faults.delay(event_type, duration, times=which)


@given(parsers.re(rf"{WHICH} of (?P<event_type>{EVENT}) (?:is|are) held"), converters=TIMES)
def deliveries_held(webhook_faults: WebhookFaults, which: int | None, event_type: str) -> None:
    webhook_faults.hold(event_type, times=which)


@when(parsers.re(r"the held deliveries are released(?: (?P<order>in order|newest first))?"))
def held_released(webhook_faults: WebhookFaults, order: str | None) -> None:
    webhook_faults.release(newest_first=order == "newest first")


@when(
    parsers.re(
        r"the held deliveries are released one at a time(?:, (?P<order>in order|newest first))?"
    )
)
def held_released_one_at_a_time(
    wallet_scenario: Scenario, webhook_faults: WebhookFaults, order: str | None
) -> None:
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
    webhook_faults.corrupt_signature(event_type, times=which)


@given(
    parsers.re(rf"{WHICH} of (?P<event_type>{EVENT}) (?:is|are) signed with the wrong secret"),
    converters=TIMES,
)
def signed_with_wrong_secret(
    webhook_faults: WebhookFaults, which: int | None, event_type: str
) -> None:
    webhook_faults.sign_with_wrong_secret(event_type, times=which)


@given(
    parsers.re(
        rf"{WHICH} of (?P<event_type>{EVENT}) (?:is|are) signed"
        rf" (?P<duration>{DURATION_PATTERN}) in the past"
    ),
    converters={**TIMES, **DURATION},
)
def signed_in_the_past(
    webhook_faults: WebhookFaults, which: int | None, event_type: str, duration: int
) -> None:
    webhook_faults.sign_in_the_past(event_type, duration, times=which)


# -- time and the sweep ------------------------------------------------------------------------


@when(parsers.re(rf"the clock advances (?P<duration>{DURATION_PATTERN})"), converters=DURATION)
def clock_advances(webhook_faults: WebhookFaults, duration: int) -> None:
    webhook_faults.advance(duration)


@when(parsers.re(r"the reconciliation sweep runs(?: again)?"))
def reconciliation_sweep_runs(wallet_scenario: Scenario) -> None:
    wallet_scenario.wait_until_quiet()  # the sweep looks at what the webhooks left behind
    wallet_scenario.stack.reconcile()
    wallet_scenario.notes["reconciled"] = True  # the diagnosis judges the rescue by it


# -- a customer who pays by bank debit ---------------------------------------------------------


@when(
    sentence(
        r'"{email}" tops up (?P<amount>{money}) by bank debit from account (?P<account>\d{8})'
        r" and closes the tab after paying"
    ),
    converters=MONEY,
)
def tops_up_by_bank_debit_and_leaves(
    wallet_scenario: Scenario, email: str, amount: int, account: str
) -> None:
    customer = wallet_scenario.customer(email)
    customer.top_up(amount, by_bank_debit(account), then=CLOSE_TAB)


# -- the delivery log --------------------------------------------------------------------------


@then(
    parsers.re(
        rf"the delivery log(?: of (?P<event_type>{EVENT}))? shows attempts answered"
        rf" (?P<answers>{ANSWER}(?:, {ANSWER})*)"
    ),
    converters=ANSWERS,
)
def delivery_log_shows(
    wallet_scenario: Scenario,
    webhook_faults: WebhookFaults,
    answers: list[str],
    event_type: str | None,
) -> None:
    wallet_scenario.wait_until_quiet()
    log = webhook_faults.delivery_log(wallet_scenario.latest_session, event_type)
    actual = [attempt.answer for attempt in log]
    assert actual == answers, (
        f"the delivery log shows {actual}, expected {answers}:\n{describe(log)}"
    )


@then(
    parsers.re(rf"every delivery(?: of (?P<event_type>{EVENT}))? was answered (?P<status>\d{{3}})")
)
def every_delivery_answered(
    wallet_scenario: Scenario, webhook_faults: WebhookFaults, status: str, event_type: str | None
) -> None:
    wallet_scenario.wait_until_quiet()
    log = webhook_faults.delivery_log(wallet_scenario.latest_session, event_type)
    assert log, "nothing was delivered for the payment"
    others = [attempt for attempt in log if attempt.answer != status]
    assert not others, f"not every delivery was answered {status}:\n{describe(log)}"


@then(parsers.re(rf"the app never received (?P<event_type>{EVENT})"))
def never_received(
    wallet_scenario: Scenario, webhook_faults: WebhookFaults, event_type: str
) -> None:
    wallet_scenario.wait_until_quiet()
    log = webhook_faults.delivery_log(wallet_scenario.latest_session, event_type)
    assert log, f"no {event_type} was even sent for the payment"
    received = [attempt for attempt in log if attempt.answer != DROPPED]
    assert not received, f"the app received {event_type}:\n{describe(log)}"


@then(parsers.re(rf"(?P<event_type>{EVENT}) has not been delivered yet"))
def not_delivered_yet(
    wallet_scenario: Scenario, webhook_faults: WebhookFaults, event_type: str
) -> None:
    wallet_scenario.wait_until_quiet()
    session_id = wallet_scenario.latest_session
    log = webhook_faults.delivery_log(session_id, event_type)
    assert not log, f"{event_type} was already sent:\n{describe(log)}"
    waiting = [d for d in webhook_faults.pending(session_id) if d.event_type == event_type]
    assert waiting, f"no {event_type} is waiting to be delivered either"


@then(parsers.re(rf"(?P<later>{EVENT}) was delivered after (?P<earlier>{EVENT})"))
def delivered_after(
    wallet_scenario: Scenario, webhook_faults: WebhookFaults, later: str, earlier: str
) -> None:
    wallet_scenario.wait_until_quiet()
    log = webhook_faults.delivery_log(wallet_scenario.latest_session)
    firsts: dict[str, int] = {}  # event type -> position of its first 2xx answer
    for position, attempt in enumerate(log):
        if attempt.answer.startswith("2"):
            firsts.setdefault(attempt.event_type, position)
    for event_type in (earlier, later):
        assert event_type in firsts, f"{event_type} was never delivered:\n{describe(log)}"
    assert firsts[earlier] < firsts[later], (
        f"{later} was delivered before {earlier}:\n{describe(log)}"
    )


@then(
    parsers.re(rf"Stripe sent (?P<event_type>{EVENT}) as (?P<count>\d+) different events"),
    converters={"count": int},
)
def sent_as_events(
    wallet_scenario: Scenario, webhook_faults: WebhookFaults, event_type: str, count: int
) -> None:
    wallet_scenario.wait_until_quiet()
    session_id = wallet_scenario.latest_session
    events = webhook_faults.event_ids(session_id, event_type)
    assert len(events) == count, (
        f"{event_type} was sent as {len(events)} events {events}:\n"
        f"{describe(webhook_faults.delivery_log(session_id))}"
    )


# -- the admin's view --------------------------------------------------------------------------


@then(
    parsers.re(r"recent failures list the rejected signature(?: because \"(?P<reason>[^\"]+)\")?")
)
def recent_failures_list_rejection(
    wallet_scenario: Scenario,
    webhook_faults: WebhookFaults,
    ops_view: OpsView,
    reason: str | None,
) -> None:
    wallet_scenario.wait_until_quiet()
    events = set(webhook_faults.event_ids(wallet_scenario.latest_session))
    rejected = ops_view.rejected_signatures()
    listed = [failure for failure in rejected if failure.event_id in events]
    shown = "\n".join(f"  {failure}" for failure in ops_view.recent_failures()) or "  (none)"
    assert listed, f"recent failures do not list a rejected signature of {events}:\n{shown}"
    if reason is not None:
        assert any(reason in failure.error for failure in listed), (
            f'no rejection of {events} says "{reason}":\n{shown}'
        )


# -- the top-up's outcome ----------------------------------------------------------------------


@then("the payment has not been credited")
def not_credited(wallet_scenario: Scenario, records: Records) -> None:
    wallet_scenario.wait_until_quiet()
    session_id = wallet_scenario.latest_session
    rows = records.topup_rows(session_id)
    assert not rows, f"{len(rows)} top-up rows for {session_id}: {rows}"
    record = records.topup(session_id)
    assert record is None or record.status != "credited", (
        f"the top-up is credited, by {record.fulfilled_by}, without a ledger row"
    )


@then(parsers.re(r"exactly one top-up row exists for (?:the|each) payment"))
def one_row_per_payment(wallet_scenario: Scenario, records: Records) -> None:
    wallet_scenario.wait_until_quiet()
    counts = {session: len(records.topup_rows(session)) for session in wallet_scenario.session_ids}
    assert counts, "no top-up was started in this scenario"
    assert set(counts.values()) == {1}, f"top-up rows per payment: {counts}"


@then(
    sentence(
        r"the dashboard first said the payment was being confirmed, then that"
        r" (?P<amount>{money}) was added"
    ),
    converters=MONEY,
)
def banner_went_pending_then_credited(wallet_scenario: Scenario, amount: int) -> None:
    dashboard = wallet_scenario.current_customer.dashboard
    dashboard.expect_status("credited")
    history = dashboard.banner_history()
    states = [entry.split(":", 1)[0] for entry in history]
    assert states == ["pending", "credited"], f"the banner went {history}"
    assert "is being confirmed" in history[0], f"the banner first said {history[0]!r}"
    added = f"{format_money(amount)} has been added to your wallet."
    assert added in history[-1], f"the banner last said {history[-1]!r}"
