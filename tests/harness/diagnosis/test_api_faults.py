"""Faults the scenario injected into the app's requests to Stripe's API, on hand-built evidence:
shown as ``⚡ injected`` at the stage they touched (creation at ``session``, reads at ``job`` or
``rescue``, the event list at ``rescue``), with the requests as evidence, and never blamed for a
failure they cannot cause."""

from __future__ import annotations

from dataclasses import replace

from harness.diagnosis import Diagnosis
from harness.diagnosis.api_fault_checks import creations_that_came_to_nothing
from harness.diagnosis.evidence import (
    ApiHit,
    StripeSession,
    TopupEvidence,
    attribute_creations,
    unattributed_creations,
)
from harness.diagnosis.render import render_trace
from harness.diagnosis.stages import BROKEN, INJECTED, OK, judge
from tests.harness.diagnosis.topup_evidence import (
    INTENT,
    ORG,
    SESSION,
    credited_by_webhook,
    inbox,
    job,
    page,
    row,
    topup,
    webhook_lost,
)

CREATED_AT = 1_800_000_000


def hit(
    method: str = "POST",
    path: str = "/v1/checkout/sessions",
    *,
    status: int | None = 500,
    action: str = "error",
    processed: bool = False,
    at: float = CREATED_AT - 0.5,
    number: int = 1,
) -> ApiHit:
    return ApiHit("api_fault_1", action, method, path, f"req_{number:014d}", at, status, processed)


def read(number: int = 1, status: int | None = 500) -> ApiHit:
    return hit("GET", f"/v1/checkout/sessions/{SESSION}", status=status, number=number)


def listing(number: int = 1) -> ApiHit:
    return hit("GET", "/v1/events", number=number)


def with_hits(evidence: TopupEvidence, *hits: ApiHit) -> TopupEvidence:
    return replace(evidence, api_hits=hits)


def session_created(at: int = CREATED_AT) -> StripeSession:
    return StripeSession(SESSION, 5000, "gbp", "paid", "complete", ORG, INTENT, at)


# -- the session's creation --------------------------------------------------------------------


def test_a_creation_fault_got_past_is_shown_at_the_session_stage_which_held() -> None:
    trace = judge(with_hits(credited_by_webhook(), hit(status=503)))
    session = trace.stage("session")
    assert session.status == OK
    assert "got past 1 injected fault on its creation" in session.detail
    assert session.faults[0].startswith("its creation: 1 injected fault (503)")
    assert trace.first_broken is None
    rendered = render_trace(trace)
    assert "⚡ injected: its creation: 1 injected fault (503)" in rendered
    assert "POST /v1/checkout/sessions: error, 503" in rendered


def test_a_connection_cut_after_stripe_did_the_work_says_so() -> None:
    cut = hit(status=None, action="reset", processed=True)
    trace = judge(with_hits(credited_by_webhook(), cut))
    assert trace.stage("session").status == OK
    assert "reset, no answer, after Stripe did the work" in render_trace(trace)


def test_creation_faults_go_to_the_session_created_after_them() -> None:
    first = credited_by_webhook(stripe_session=session_created(CREATED_AT))
    second = replace(
        credited_by_webhook(stripe_session=session_created(CREATED_AT + 60)), session_id="cs_2"
    )
    early, late = hit(at=CREATED_AT - 1, number=1), hit(at=CREATED_AT + 30, number=2)
    attributed = attribute_creations([first, second], (early, late, read(3)))
    assert [h.request_id for h in attributed[0].api_hits] == [early.request_id]
    assert [h.request_id for h in attributed[1].api_hits] == [late.request_id]
    assert unattributed_creations(attributed, (early, late)) == ()


def test_creations_no_session_came_of_are_injected_outside_any_flow() -> None:
    failed = (hit(number=1), hit(number=2))
    evidence = [credited_by_webhook(stripe_session=session_created(CREATED_AT - 100))]
    left = unattributed_creations(attribute_creations(evidence, failed), failed)
    assert left == failed
    stage = creations_that_came_to_nothing(left)
    assert stage is not None
    assert stage.key == "session"
    assert stage.status == INJECTED
    diagnosis = Diagnosis(traces=(), evidence=(), injected=(stage,))
    assert diagnosis.first_broken is None  # a fault on purpose is nobody's break
    rendered = diagnosis.render()
    assert "Injected outside any top-up's flow:" in rendered
    assert "⚡ session" in rendered
    assert "no top-up's session came of 2 creation requests failed on purpose (500, 500)" in (
        rendered
    )
    assert "evidence: POST /v1/checkout/sessions: error, 500" in rendered


def test_a_cut_creation_whose_session_the_app_never_got_says_stripe_did_the_work() -> None:
    stage = creations_that_came_to_nothing((hit(status=None, action="reset", processed=True),))
    assert stage is not None
    assert stage.status == INJECTED
    assert "Stripe did the work for 1 request but the app never got the session back" in (
        stage.detail
    )


# -- the reads of the session ------------------------------------------------------------------


def test_a_job_retried_past_failed_reads_holds_with_the_faults_beside_it() -> None:
    evidence = credited_by_webhook(jobs=(job("succeeded", attempts=2),))
    trace = judge(with_hits(evidence, read(1), read(2)))
    stage = trace.stage("job")
    assert stage.status == OK
    assert "after 2 injected faults on its reads" in stage.detail
    assert stage.faults[0] == "its reads of the session: 2 injected faults (500, 500)"
    assert trace.first_broken is None


def test_a_job_that_failed_because_every_read_failed_is_injected() -> None:
    evidence = credited_by_webhook(
        jobs=(job("failed", attempts=3),),
        inbox=(inbox("failed", "fulfil", "Stripe: An unknown error occurred", attempts=3),),
        topup=topup("created", None),
        ledger_rows=(),
        org_balance_pence=0,
        page=page("£0.00", 0, banner_state="pending", banner_text="being confirmed"),
        landing_loads=(),
    )
    trace = judge(with_hits(evidence, *(read(n) for n in range(1, 7))))
    assert trace.stage("job").status == INJECTED
    assert "failed on purpose (6 requests)" in trace.stage("job").detail


def test_a_job_that_gave_up_at_its_first_faulted_read_is_broken() -> None:
    """A 500 or a timeout from Stripe is worth retrying: a job failed for good after one
    attempt is the app's doing, whatever failed that attempt."""
    evidence = credited_by_webhook(
        jobs=(job("failed", attempts=1),),
        inbox=(inbox("failed", "fulfil", "Stripe: An unknown error occurred"),),
        topup=topup("created", None),
        ledger_rows=(),
        landing_loads=(),
    )
    trace = judge(with_hits(evidence, read(1), read(2)))
    assert trace.first_broken == "job"
    assert trace.stage("job").faults[0] == "its reads of the session: 2 injected faults (500, 500)"


def test_more_failed_attempts_than_faulted_reads_stay_broken() -> None:
    """One faulted read cannot fail three attempts: something else failed the job."""
    evidence = credited_by_webhook(
        jobs=(job("failed", attempts=3),),
        inbox=(inbox("failed", "fulfil", "relation does not exist", attempts=3),),
        topup=topup("created", None),
        ledger_rows=(),
        landing_loads=(),
    )
    trace = judge(with_hits(evidence, read(1)))
    assert trace.stage("job").status == BROKEN
    assert trace.stage("job").faults  # shown, not blamed


def test_a_job_that_swallowed_a_failed_read_is_still_broken() -> None:
    """A read that failed on purpose does not excuse a job reporting success uncredited."""
    evidence = credited_by_webhook(
        topup=topup("created", None), ledger_rows=(), org_balance_pence=0, landing_loads=()
    )
    trace = judge(with_hits(evidence, read(1), read(2)))
    assert trace.stage("job").status == BROKEN
    assert "reported success without doing its work" in trace.stage("job").detail


def test_a_second_credit_is_broken_whatever_the_reads_met() -> None:
    evidence = credited_by_webhook(ledger_rows=(row(row_id=1), row(row_id=2)))
    trace = judge(with_hits(evidence, read(1), read(2)))
    assert trace.stage("ledger").status == BROKEN


def test_reads_by_the_landing_page_when_no_job_ran_are_shown_at_the_rescue() -> None:
    evidence = webhook_lost(
        topup=topup("credited", "landing"),
        ledger_rows=(row(),),
        org_balance_pence=5000,
        page=page(),
        landing_loads=(f"http://127.0.0.1:40001/dashboard/wallet?session_id={SESSION}",),
    )
    trace = judge(with_hits(evidence, read(1), read(2)))
    assert trace.stage("rescue").status == OK
    assert trace.stage("rescue").faults[0].startswith("the app's reads of the session: 2")
    assert not trace.stage("job").faults


# -- the sweep's event list --------------------------------------------------------------------


def test_a_sweep_the_event_list_failed_is_injected_at_the_rescue() -> None:
    evidence = webhook_lost(reconciled=True, sweeps=1, failed_sweeps=1)
    trace = judge(with_hits(evidence, listing(1), listing(2)))
    rescue = trace.stage("rescue")
    assert rescue.status == INJECTED
    assert "1 reconciliation sweep failed" in rescue.detail
    assert rescue.faults[0] == "the sweep's listing of the events: 2 injected faults (500, 500)"
    assert trace.first_broken is None


def test_a_later_sweep_that_ran_and_credited_nothing_is_broken() -> None:
    evidence = webhook_lost(reconciled=True, sweeps=2, failed_sweeps=1)
    trace = judge(with_hits(evidence, listing(1), listing(2)))
    assert trace.stage("rescue").status == BROKEN
    assert trace.stage("rescue").faults  # shown beside it, not blamed
    assert trace.first_broken == "rescue"


def test_a_sweep_that_credited_after_a_failed_one_holds() -> None:
    evidence = webhook_lost(
        topup=topup("credited", "reconcile"),
        ledger_rows=(row(),),
        org_balance_pence=5000,
        page=None,
        reconciled=True,
        sweeps=2,
        failed_sweeps=1,
    )
    trace = judge(with_hits(evidence, listing(1), listing(2)))
    assert trace.stage("rescue").status == OK
    assert "⚡ injected: the sweep's listing of the events" in render_trace(trace)
