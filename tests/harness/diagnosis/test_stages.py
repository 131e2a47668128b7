"""``judge`` on hand-built evidence: each way a real top-up breaks is blamed on its stage, and
faults the scenario injected on purpose are never blamed on the app."""

from __future__ import annotations

from dataclasses import replace

from harness.diagnosis.evidence import LogLine, TopupEvidence
from harness.diagnosis.stages import (
    BROKEN,
    INJECTED,
    NOT_REACHED,
    OK,
    SKIPPED,
    STAGE_KEYS,
    TopupTrace,
    judge,
)
from tests.harness.diagnosis.topup_evidence import (
    APP_URL,
    ASYNC_SUCCEEDED,
    COMPLETED,
    EVENT,
    HANDLED,
    INTENT,
    OTHER_ORG,
    STALE_URL,
    Endpoint,
    Pending,
    Rejection,
    StripeEvent,
    attempt,
    credited_by_webhook,
    inbox,
    job,
    page,
    row,
    topup,
    unpaid,
    webhook_lost,
)


def broken_at(evidence: TopupEvidence, key: str) -> TopupTrace:
    trace = judge(evidence)
    statuses = {stage.key: stage.status for stage in trace.stages}
    assert trace.first_broken == key, statuses
    return trace


def detail(trace: TopupTrace, key: str) -> str:
    return trace.stage(key).detail


# -- a sound top-up ----------------------------------------------------------------------------


def test_a_topup_the_webhook_credited_has_no_broken_stage() -> None:
    trace = judge(credited_by_webhook())
    assert [stage.key for stage in trace.stages] == list(STAGE_KEYS)
    assert trace.first_broken is None
    statuses = {stage.key: stage.status for stage in trace.stages}
    assert statuses == {key: OK for key in STAGE_KEYS} | {"rescue": SKIPPED}
    assert "£50.00" in detail(trace, "session")
    assert INTENT in detail(trace, "payment")


def test_a_failed_attempt_that_a_retry_made_good_is_not_a_break() -> None:
    trace = judge(credited_by_webhook(attempts=(attempt(503), attempt(200, number=2))))
    assert trace.first_broken is None
    assert "recovered after 1 failed attempt" in detail(trace, "delivery")


# -- session, payment, event -------------------------------------------------------------------


def test_a_session_stripe_does_not_know_is_broken_at_session() -> None:
    evidence = credited_by_webhook(
        stripe_session=None, unavailable={"stripe session": "InvalidRequestError: no such session"}
    )
    trace = broken_at(evidence, "session")
    assert "no such session" in detail(trace, "session")


def _no_org(**changes: object) -> TopupEvidence:
    base = credited_by_webhook()
    assert base.stripe_session is not None
    session = replace(base.stripe_session, client_reference_id=None)
    return replace(base, stripe_session=session, ledger_rows=(), **changes)


def test_a_session_the_app_made_without_an_organisation_is_broken_at_session() -> None:
    trace = broken_at(_no_org(), "session")
    assert "names no organisation" in detail(trace, "session")


def test_a_session_made_outside_the_app_is_judged_by_how_its_failure_is_kept() -> None:
    """No org and no topups row: not a wallet top-up. Its job must fail visibly; a job marked
    done while its event failed is the break."""
    swallowed = _no_org(
        topup=None,
        inbox=(inbox("failed", "processing", "FulfilmentError: names no organisation"),),
        jobs=(job("succeeded"),),
    )
    trace = broken_at(swallowed, "job")
    assert trace.stage("session").status == OK
    assert "outside the app" in detail(trace, "session")


def test_a_paid_session_without_a_paying_event_is_broken_at_event() -> None:
    evidence = credited_by_webhook(events=(), attempts=(), inbox=(), jobs=())
    trace = broken_at(evidence, "event")
    assert "no event says so" in detail(trace, "event")
    assert trace.stage("delivery").status == NOT_REACHED


# -- delivery ----------------------------------------------------------------------------------


def test_no_attempt_because_the_endpoint_is_not_subscribed_is_broken_at_delivery() -> None:
    subscribed = tuple(kind for kind in HANDLED if kind != COMPLETED)
    evidence = credited_by_webhook(
        attempts=(), endpoints=(Endpoint("we_1", APP_URL, subscribed, "enabled"),)
    )
    trace = broken_at(evidence, "delivery")
    text = detail(trace, "delivery")
    assert "no endpoint is subscribed" in text
    assert ASYNC_SUCCEEDED in text  # what it is subscribed to instead
    assert trace.stage("signature").status == NOT_REACHED


def test_no_attempt_because_no_endpoint_is_registered_is_broken_at_delivery() -> None:
    trace = broken_at(credited_by_webhook(attempts=(), endpoints=()), "delivery")
    assert "no webhook endpoint is registered" in detail(trace, "delivery")
    assert APP_URL in detail(trace, "delivery")


def test_no_attempt_with_an_endpoint_at_another_url_names_both_urls() -> None:
    endpoints = (Endpoint("we_1", STALE_URL, HANDLED, "enabled"),)
    trace = broken_at(credited_by_webhook(attempts=(), endpoints=endpoints), "delivery")
    assert f"registered at {STALE_URL}, the app listens at {APP_URL}" in detail(trace, "delivery")


def test_attempts_to_a_stale_url_that_refuses_connections_are_broken_at_delivery() -> None:
    refused = attempt(
        None,
        url=STALE_URL,
        error="connection failed: ConnectError: refused",
        error_kind="connection_refused",
    )
    evidence = credited_by_webhook(
        attempts=(refused,),
        endpoints=(Endpoint("we_1", STALE_URL, HANDLED, "enabled"),),
        pending=(Pending(EVENT, COMPLETED, STALE_URL, "scheduled", 1, 3600.0, ()),),
    )
    trace = broken_at(evidence, "delivery")
    text = detail(trace, "delivery")
    assert "no answer (connection refused)" in text
    assert STALE_URL in text
    assert APP_URL in text
    assert "retry" in text
    assert any("ConnectError" in line for line in trace.stage("delivery").evidence)


def test_404s_from_an_unmounted_route_are_broken_at_delivery_with_the_web_log() -> None:
    web = LogLine("web", '"POST /api/webhooks/stripe HTTP/1.1" 404')
    evidence = credited_by_webhook(
        attempts=(attempt(404), attempt(404, number=2), attempt(404, number=3)),
        log_lines=(web,),
    )
    trace = broken_at(evidence, "delivery")
    assert "3 attempts, none answered 2xx: 404, 404, 404" in detail(trace, "delivery")
    assert f"web log: {web.text}" in trace.stage("delivery").evidence


def test_a_403_from_csrf_protection_is_broken_at_delivery() -> None:
    trace = broken_at(credited_by_webhook(attempts=(attempt(403),)), "delivery")
    assert "403" in detail(trace, "delivery")


def test_a_redirect_counts_as_a_failed_delivery() -> None:
    trace = broken_at(credited_by_webhook(attempts=(attempt(308),)), "delivery")
    assert "none answered 2xx: 308" in detail(trace, "delivery")


def test_timeouts_of_a_slow_handler_are_broken_at_delivery() -> None:
    slow = attempt(None, error="timed out after 5 s", error_kind="timeout")
    trace = broken_at(credited_by_webhook(attempts=(slow, slow)), "delivery")
    assert "timeout, timeout" in detail(trace, "delivery")


def test_a_500_to_a_session_already_credited_is_broken_at_delivery() -> None:
    evidence = credited_by_webhook(attempts=(attempt(200), attempt(500, copy=1)))
    trace = broken_at(evidence, "delivery")
    text = detail(trace, "delivery")
    assert "(500) after a delivery for this session had succeeded" in text
    assert "credited" in text


def test_faults_that_fail_nothing_by_themselves_are_not_an_excuse() -> None:
    """A duplicate copy answered 500 is the app's answer, not the fault's."""
    evidence = credited_by_webhook(
        attempts=(attempt(200, faults=("duplicate",)), attempt(500, copy=1, faults=("duplicate",)))
    )
    broken_at(evidence, "delivery")


def test_a_delivery_held_on_purpose_is_injected_and_the_rescue_is_judged() -> None:
    held = Pending(EVENT, COMPLETED, APP_URL, "held", 0, None, ("hold",))
    evidence = webhook_lost(attempts=(), pending=(held,), landing_loads=("landing",))
    trace = broken_at(evidence, "rescue")
    assert trace.stage("delivery").status == INJECTED
    assert "held (hold)" in detail(trace, "delivery")


# -- signature ---------------------------------------------------------------------------------


def test_400s_with_rejection_reasons_are_broken_at_signature() -> None:
    reason = "signature rejected: No signatures found matching the expected signature"
    evidence = credited_by_webhook(
        attempts=(attempt(400),),
        rejections=(Rejection(1, EVENT, reason),),
        topup=topup("created", None),
        inbox=(),
        jobs=(),
        ledger_rows=(),
    )
    trace = broken_at(evidence, "signature")
    assert trace.stage("delivery").status == OK  # it reached the app
    assert reason in detail(trace, "signature")
    assert trace.stage("queue").status == NOT_REACHED


def test_400s_caused_by_an_injected_bad_signature_are_not_broken() -> None:
    evidence = webhook_lost(
        attempts=(attempt(400, faults=("corrupt_signature",)),),
        rejections=(Rejection(1, EVENT, "signature rejected"),),
    )
    trace = judge(evidence)
    assert trace.first_broken is None
    assert trace.stage("signature").status == INJECTED
    assert trace.stage("queue").status == SKIPPED


def test_a_bad_signature_accepted_is_broken_at_signature() -> None:
    evidence = credited_by_webhook(attempts=(attempt(200, faults=("corrupt_signature",)),))
    trace = broken_at(evidence, "signature")
    assert "not verified" in detail(trace, "signature")


# -- queue -------------------------------------------------------------------------------------


def test_a_2xx_without_an_inbox_row_is_broken_at_queue() -> None:
    evidence = credited_by_webhook(inbox=(), jobs=(), topup=topup("created", None), ledger_rows=())
    trace = broken_at(evidence, "queue")
    assert "the app stored no such event" in detail(trace, "queue")


def test_a_job_waiting_with_no_worker_heartbeat_is_broken_at_queue() -> None:
    evidence = credited_by_webhook(
        inbox=(inbox("queued", None, attempts=0),),
        jobs=(job("todo", 0),),
        heartbeat_age=None,
        topup=topup("created", None),
        ledger_rows=(),
    )
    trace = broken_at(evidence, "queue")
    assert "no worker has ever beaten" in detail(trace, "queue")
    assert "worker process running" in detail(trace, "queue")


def test_a_job_waiting_since_the_worker_stopped_beating_is_broken_at_queue() -> None:
    evidence = credited_by_webhook(
        inbox=(inbox("queued", None, attempts=0),),
        jobs=(job("todo", 0),),
        heartbeat_age=95.0,
        worker_running=False,
        topup=topup("created", None),
        ledger_rows=(),
    )
    trace = broken_at(evidence, "queue")
    assert "last worker beat 95 s ago; worker process not running" in detail(trace, "queue")


def test_processed_inline_and_failed_behind_a_200_is_broken_at_queue() -> None:
    evidence = credited_by_webhook(
        inbox=(inbox("failed", "processing", "FulfilmentError: names no organisation"),),
        jobs=(),
        topup=topup("created", None),
        ledger_rows=(),
    )
    trace = broken_at(evidence, "queue")
    text = detail(trace, "queue")
    assert "names no organisation" in text
    assert "answered 200" in text


# -- job ---------------------------------------------------------------------------------------


def test_a_failed_job_is_broken_at_job_with_its_error() -> None:
    error = "FulfilmentError: checkout session cs_test_a1 names no organisation"
    evidence = credited_by_webhook(
        inbox=(inbox("failed", "processing", error, attempts=3),),
        jobs=(job("failed", 3),),
        topup=topup("created", None),
        ledger_rows=(),
    )
    trace = broken_at(evidence, "job")
    assert f"failed after 3 attempts: {error}" in detail(trace, "job")


def test_a_job_that_succeeded_while_its_event_failed_is_broken_at_job() -> None:
    evidence = credited_by_webhook(
        inbox=(inbox("failed", "processing", "RuntimeError: boom"),),
        jobs=(job("succeeded"),),
        topup=topup("created", None),
        ledger_rows=(),
    )
    trace = broken_at(evidence, "job")
    assert "swallowed" in detail(trace, "job")
    assert "RuntimeError: boom" in detail(trace, "job")


def test_an_ignored_async_payment_success_is_broken_at_job() -> None:
    paid_later = "evt_async_1"
    evidence = credited_by_webhook(
        events=(
            StripeEvent(EVENT, COMPLETED, "unpaid"),
            StripeEvent(paid_later, ASYNC_SUCCEEDED, "paid"),
        ),
        attempts=(attempt(200), attempt(200, event_id=paid_later, event_type=ASYNC_SUCCEEDED)),
        inbox=(
            inbox("processed", "unpaid"),
            inbox("ignored", "ignored", event_id=paid_later, event_type=ASYNC_SUCCEEDED),
        ),
        jobs=(job(), job(event_id=paid_later)),
        topup=topup("awaiting_payment", None),
        ledger_rows=(),
    )
    trace = broken_at(evidence, "job")
    assert f"{ASYNC_SUCCEEDED} {paid_later} was ignored" in detail(trace, "job")
    # the landing page loaded while the debit was still settling: it could not have credited
    assert trace.stage("rescue").status == NOT_REACHED


def test_an_ignored_completed_event_for_a_paid_session_is_broken_at_job() -> None:
    evidence = credited_by_webhook(
        inbox=(inbox("ignored", "ignored"),), topup=topup("created", None), ledger_rows=()
    )
    trace = broken_at(evidence, "job")
    assert "was ignored" in detail(trace, "job")


# -- rescue ------------------------------------------------------------------------------------


def test_a_lost_webhook_the_landing_page_did_not_rescue_is_broken_at_rescue() -> None:
    evidence = webhook_lost(
        landing_loads=("http://127.0.0.1:40001/dashboard/wallet?session_id=cs_test_a1",)
    )
    trace = broken_at(evidence, "rescue")
    assert trace.stage("delivery").status == INJECTED
    assert [trace.stage(k).status for k in ("signature", "queue", "job")] == [SKIPPED] * 3
    assert "landing page loaded 1 time, yet the paid top-up is still created" in detail(
        trace, "rescue"
    )
    assert trace.stage("ledger").status == NOT_REACHED


def test_a_lost_webhook_the_reconciliation_sweep_did_not_rescue_is_broken_at_rescue() -> None:
    trace = broken_at(webhook_lost(reconciled=True), "rescue")
    assert "reconciliation sweep ran" in detail(trace, "rescue")


def test_a_lost_webhook_the_landing_page_rescued_has_no_broken_stage() -> None:
    evidence = webhook_lost(
        topup=topup("credited", "landing"),
        ledger_rows=(row(),),
        org_balance_pence=5000,
        page=page(),
        landing_loads=("landing",),
    )
    trace = judge(evidence)
    assert trace.first_broken is None
    assert trace.stage("rescue").status == OK
    assert "landing page after the webhook was lost to injected faults" in detail(trace, "rescue")


def test_a_lost_webhook_nobody_tried_to_rescue_blames_no_stage() -> None:
    trace = judge(webhook_lost())
    assert trace.first_broken is None
    assert trace.stage("rescue").status == NOT_REACHED
    assert trace.stage("ledger").status == NOT_REACHED


# -- ledger ------------------------------------------------------------------------------------


def test_credited_by_the_app_without_a_ledger_row_is_broken_at_ledger() -> None:
    trace = broken_at(credited_by_webhook(ledger_rows=()), "ledger")
    assert "no top-up row in the ledger" in detail(trace, "ledger")
    assert "the app says credited (by webhook)" in detail(trace, "ledger")


def test_two_rows_for_one_payment_are_broken_at_ledger() -> None:
    evidence = credited_by_webhook(ledger_rows=(row(), row(row_id=2)), org_balance_pence=10000)
    trace = broken_at(evidence, "ledger")
    assert "2 topup rows for one payment, £100.00" in detail(trace, "ledger")


def test_a_row_for_the_wrong_amount_is_broken_at_ledger() -> None:
    evidence = credited_by_webhook(ledger_rows=(row(50),), org_balance_pence=50)
    trace = broken_at(evidence, "ledger")
    assert "credits £0.50, Stripe's amount_total is £50.00" in detail(trace, "ledger")


def test_a_row_for_another_organisation_is_broken_at_ledger() -> None:
    trace = broken_at(credited_by_webhook(ledger_rows=(row(org=OTHER_ORG),)), "ledger")
    assert "credits org 5f0c2b9e…" in detail(trace, "ledger")


def test_a_row_naming_another_payment_is_broken_at_ledger() -> None:
    trace = broken_at(credited_by_webhook(ledger_rows=(row(intent="pi_other"),)), "ledger")
    assert f"names payment pi_other, Stripe says {INTENT}" in detail(trace, "ledger")


def test_a_row_for_a_session_stripe_says_is_unpaid_is_broken_at_ledger() -> None:
    trace = broken_at(unpaid("complete", ledger_rows=(row(),)), "ledger")
    assert "not paid (unpaid, complete)" in detail(trace, "ledger")
    assert trace.stage("delivery").status == SKIPPED


def test_an_expired_session_without_a_row_blames_no_stage() -> None:
    trace = judge(unpaid("expired", topup=topup("expired", None), page=None))
    assert trace.first_broken is None
    assert trace.stage("payment").status == OK
    assert "not paid" in detail(trace, "payment")
    for key in ("event", "delivery", "signature", "queue", "job", "rescue"):
        assert trace.stage(key).status == SKIPPED
        assert "nothing to credit" in detail(trace, key)
    assert trace.stage("ledger").status == OK


# -- balance, screen ---------------------------------------------------------------------------


def test_broken_ledger_invariants_for_the_org_are_broken_at_balance() -> None:
    violation = "balance chain [ad93…]: row 2 starts at 0 but the previous row ended at 5000"
    trace = broken_at(credited_by_webhook(violations=(violation,)), "balance")
    assert violation in detail(trace, "balance")


def test_a_page_showing_another_balance_than_the_database_is_broken_at_screen() -> None:
    evidence = credited_by_webhook(page=page("£0.00", 5000, banner_state="pending"))
    trace = broken_at(evidence, "screen")
    assert "shows a balance of £0.00, the database holds £50.00" in detail(trace, "screen")


def test_a_failed_payment_the_page_says_nothing_about_is_broken_at_screen() -> None:
    silent = page(
        "£0.00", 0, banner_state="failed", banner_visible=False, banner_text="", error_text=""
    )
    evidence = unpaid("complete", topup=topup("failed", None, "the bank debit failed"), page=silent)
    trace = broken_at(evidence, "screen")
    assert "says the top-up failed (the bank debit failed) but the page shows no message" in (
        detail(trace, "screen")
    )


def test_a_failed_debit_the_page_still_calls_on_its_way_is_broken_at_screen() -> None:
    """Stripe's word counts even when the app's record slid back to awaiting_payment."""
    on_its_way = "Your bank payment of £50.00 is on its way"
    shown = page("£0.00", 0, banner_state="awaiting_payment", banner_text=on_its_way)
    evidence = unpaid(
        "complete",
        events=(StripeEvent("evt_failed_1", "checkout.session.async_payment_failed", "unpaid"),),
        topup=topup("awaiting_payment", None),
        page=shown,
    )
    trace = broken_at(evidence, "screen")
    text = detail(trace, "screen")
    assert "Stripe says the payment failed (checkout.session.async_payment_failed" in text
    assert "the app records it as awaiting_payment" in text
    assert f'the page shows "{on_its_way}"' in text


def test_a_failed_payment_the_page_explains_is_not_broken() -> None:
    told = page(
        "£0.00",
        0,
        banner_state="failed",
        banner_visible=False,
        error_visible=True,
        error_text="Your payment of £50.00 failed",
    )
    evidence = unpaid("complete", topup=topup("failed", None, "the bank debit failed"), page=told)
    assert judge(evidence).first_broken is None


def test_no_open_page_skips_the_screen() -> None:
    evidence = credited_by_webhook(page=None, unavailable={"page": "the customer's tab is closed"})
    trace = judge(evidence)
    assert trace.stage("screen").status == SKIPPED
    assert "tab is closed" in detail(trace, "screen")


# -- the first break wins ----------------------------------------------------------------------


def test_later_stages_that_break_on_their_own_are_still_shown_after_the_first() -> None:
    evidence = credited_by_webhook(
        attempts=(attempt(404),),
        topup=topup("created", None),
        inbox=(),
        jobs=(),
        ledger_rows=(),
        org_balance_pence=0,
        page=page("£0.00", 0, banner_state="pending"),
    )
    trace = broken_at(evidence, "delivery")
    assert trace.stage("rescue").status == BROKEN  # the landing page loaded and did not credit
    assert trace.stage("ledger").status == NOT_REACHED


# -- what the profile does not show ------------------------------------------------------------

NO_EVENTS = "not observable: add capabilities.events_sql to the profile"
NO_TOPUPS = "not observable: add capabilities.fulfilment to the profile"


def test_a_queue_the_profile_does_not_show_is_not_observable_never_guessed() -> None:
    """No events_sql/jobs_sql: the evidence has no stored events, which must not read as "the
    app stored nothing"; the queue and job stages name the key, and the verdict falls on what
    is seen (here: the landing page loaded, yet the ledger has no row)."""
    evidence = credited_by_webhook(
        inbox=(),
        jobs=(),
        topup=None,
        ledger_rows=(),
        unavailable={"inbox": NO_EVENTS, "jobs": NO_EVENTS, "topups": NO_TOPUPS},
    )
    trace = broken_at(evidence, "rescue")
    assert "not credited in the ledger (its state in the app is not observable" in detail(
        trace, "rescue"
    )
    assert trace.stage("queue").status == SKIPPED
    assert detail(trace, "queue") == NO_EVENTS
    assert detail(trace, "job") == NO_EVENTS
    assert "stored no such event" not in detail(trace, "queue")
    assert "the app has no record" not in detail(trace, "session")  # not seen is not absent


def test_which_path_credited_is_not_observable_without_fulfilment() -> None:
    evidence = credited_by_webhook(topup=None, unavailable={"topups": NO_TOPUPS})
    trace = judge(evidence)
    assert trace.first_broken is None  # the ledger shows the credit
    assert trace.stage("rescue").status == SKIPPED
    assert detail(trace, "rescue") == f"credited; which path did it is {NO_TOPUPS}"


# an app whose jobs live in its queue (BullMQ in Redis, say): only the queue probe's counts
ONLY_COUNTS = {"inbox": NO_EVENTS, "jobs": NO_EVENTS}


def uncredited_with_queue_counts(now: tuple[int, int], at_start: tuple[int, int]) -> TopupEvidence:
    return credited_by_webhook(
        inbox=(),
        jobs=(),
        ledger_rows=(),
        org_balance_pence=0,
        queue_counts=now,
        queue_counts_at_start=at_start,
        unavailable=dict(ONLY_COUNTS),
    )


def test_jobs_left_waiting_with_no_worker_break_the_queue_stage_by_the_probes_counts() -> None:
    evidence = replace(uncredited_with_queue_counts((1, 0), (0, 0)), worker_running=False)

    trace = broken_at(evidence, "queue")

    assert detail(trace, "queue") == (
        "1 job waiting in the queue after the delivery was accepted; worker process not running"
    )
    assert "queue probe: 1 waiting, 0 failed" in trace.stage("queue").evidence


def test_a_job_that_failed_during_the_scenario_breaks_the_job_stage() -> None:
    # two failed before the scenario began (an earlier one's): only the third is this one's
    trace = broken_at(uncredited_with_queue_counts((0, 3), (0, 2)), "job")

    assert detail(trace, "job") == "1 job failed in the queue during the scenario"
    assert trace.stage("queue").status == SKIPPED
    assert detail(trace, "queue") == (
        f"no job waits in the queue; whether it was queued is {NO_EVENTS}"
    )


def test_an_empty_queue_is_no_verdict_on_the_queue_or_the_job() -> None:
    trace = judge(uncredited_with_queue_counts((0, 2), (0, 2)))

    assert trace.stage("queue").status == SKIPPED
    assert trace.stage("job").status == SKIPPED
    assert detail(trace, "job") == NO_EVENTS
    assert trace.first_broken not in ("queue", "job")


def test_a_heartbeat_the_profile_does_not_show_is_said_so() -> None:
    hidden = "not observable: add capabilities.heartbeat_sql to the profile"
    evidence = credited_by_webhook(
        inbox=(inbox("queued", None, attempts=0),),
        jobs=(job("todo", 0),),
        heartbeat_age=None,
        topup=topup("created", None),
        ledger_rows=(),
        unavailable={"heartbeat": hidden},
    )
    trace = broken_at(evidence, "queue")
    assert f"the worker's heartbeat is {hidden}" in detail(trace, "queue")
    assert "no worker has ever beaten" not in detail(trace, "queue")


# -- what the scenario did on purpose, and what it did not cause --------------------------------


def test_a_real_failure_wins_over_a_signature_fault_on_the_same_attempt() -> None:
    """A stale signature was injected, but the attempt went to a stale URL and got no answer:
    no signature was ever checked, so the stale URL is to blame, not the fault."""
    lost = attempt(
        None,
        url=STALE_URL,
        error="connection failed: ConnectError: refused",
        error_kind="connection_failed",
        faults=("stale_timestamp",),
    )
    evidence = credited_by_webhook(
        attempts=(lost,),
        endpoints=(Endpoint("we_1", STALE_URL, HANDLED, "enabled"),),
        topup=topup("created", None),
        inbox=(),
        jobs=(),
        ledger_rows=(),
    )
    trace = broken_at(evidence, "delivery")
    text = detail(trace, "delivery")
    assert "injected" not in text
    assert f"registered at {STALE_URL}, the app listens at {APP_URL}" in text


def test_a_worker_the_scenario_stopped_is_a_condition_not_a_break() -> None:
    evidence = credited_by_webhook(
        inbox=(inbox("queued", None, attempts=0),),
        jobs=(job("todo", 0),),
        heartbeat_age=6.0,
        worker_running=False,
        worker_stopped_on_purpose=True,
        topup=topup("created", None),
        ledger_rows=(),
        landing_loads=(),
    )
    trace = judge(evidence)
    assert trace.first_broken is None
    assert trace.stage("queue").status == INJECTED
    assert "the scenario stopped the worker" in detail(trace, "queue")
    assert trace.stage("job").status == SKIPPED


def test_a_stopped_worker_does_not_hide_the_rescue_that_failed() -> None:
    """The landing page loaded while the worker was stopped on purpose and did not credit the
    paid top-up: the rescue is what broke."""
    evidence = credited_by_webhook(
        inbox=(inbox("queued", None, attempts=0),),
        jobs=(job("todo", 0),),
        heartbeat_age=6.0,
        worker_stopped_on_purpose=True,
        topup=topup("created", None),
        ledger_rows=(),
    )
    trace = broken_at(evidence, "rescue")
    assert "the landing page loaded 1 time" in detail(trace, "rescue")


def test_a_debit_on_its_way_that_the_page_calls_being_confirmed_is_broken_at_screen() -> None:
    """The stage judges the message it is about, not only the balance."""
    confirming = page(
        "£0.00", 0, banner_state="pending", banner_text="Your payment is being confirmed"
    )
    evidence = unpaid(
        "complete",
        events=(StripeEvent(EVENT, COMPLETED, "unpaid"),),
        topup=topup("awaiting_payment", None),
        page=confirming,
    )
    trace = broken_at(evidence, "screen")
    assert "still says the payment is being confirmed" in detail(trace, "screen")
    told = page("£0.00", 0, banner_state="awaiting_payment", banner_text="on its way")
    assert judge(replace(evidence, page=told)).first_broken is None


def test_a_job_that_succeeded_without_crediting_is_broken_at_job_not_ledger() -> None:
    """A stage judges the outcome it is about: "job #1 succeeded: claimed" with nothing
    credited is the job's failure."""
    evidence = credited_by_webhook(
        inbox=(inbox("processed", "claimed"),), topup=topup("created", None), ledger_rows=()
    )
    trace = broken_at(evidence, "job")
    assert "succeeded: claimed, yet nothing was credited" in detail(trace, "job")


def test_a_payment_naming_no_organisation_that_fails_visibly_breaks_nothing() -> None:
    kept = _no_org(
        topup=None,
        inbox=(inbox("failed", "processing", "FulfilmentError: names no organisation"),),
        jobs=(job("failed", 3),),
        page=None,
    )
    trace = judge(kept)
    assert trace.first_broken is None, trace
    assert "visibly" in detail(trace, "job")
    assert trace.stage("ledger").status == OK


def test_a_payment_naming_no_organisation_whose_job_succeeded_is_broken_at_job() -> None:
    claimed = _no_org(topup=None, inbox=(inbox("processed", "claimed"),), page=None)
    trace = broken_at(claimed, "job")
    assert "though the payment names no organisation" in detail(trace, "job")
    assert trace.stage("ledger").status == OK
