"""Defects at the queue stage: the event is stored, but the job never runs, or its failure
vanishes. Evidence: procrastinate's jobs, the inbox, the delivery log, the metrics endpoint."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from harness.polling import poll_until
from tests.reference_app.evidence import (
    balance,
    delivery_codes,
    inbox,
    job_attempts,
    job_statuses,
    ledger_rows,
    new_topup,
    paid_topup,
    session_cookie,
    wait_for_topup,
    wait_until,
)
from tests.reference_app.running import app_stack
from tests.reference_app.test_stalled_jobs import leave_running_by_a_dead_worker

COMPLETED = "checkout.session.completed"
# a job that fails every time: the org is looked for where Checkout never puts it
FAILING = "org-from-payment-intent"


@pytest.mark.parametrize("defect", [None, "worker-not-started"])
def test_without_a_worker_the_job_waits_in_the_queue(
    wallet_ledger_db_url: str, tmp_path: Path, defect: str | None
) -> None:
    defects = () if defect is None else (defect,)
    with app_stack(
        wallet_ledger_db_url, tmp_path, defects=defects, await_worker=defect is None
    ) as stack:
        if defect is not None:
            wait_until(lambda: "worker not started" in stack.log_text("worker"), what="worker")
        session_id = paid_topup(stack)
        assert delivery_codes(stack, session_id) == [200]  # stored and queued: Stripe is happy

        with httpx.Client(
            base_url=stack.web_url, cookies=session_cookie("admin@demo.com", stack)
        ) as admin:
            if defect is None:
                assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")
                health = admin.get("/api/webhook-metrics/queue-health").json()
                assert health["jobs"] == {"succeeded": 1}
                assert health["last_heartbeat"]["at"] is not None
                return
            health = admin.get("/api/webhook-metrics/queue-health").json()
        assert job_statuses(stack) == ["todo"]
        assert [event[:2] for event in inbox(stack, session_id)] == [(COMPLETED, "queued")]
        assert health["jobs"] == {"todo": 1}
        assert health["inbox"] == {"queued": 1}
        assert health["oldest_pending_seconds"] >= 0
        assert health["last_heartbeat"] == {"worker": None, "at": None, "age_seconds": None}
        assert (balance(stack), ledger_rows(stack)) == (0, [])


@pytest.mark.parametrize("defect", [None, "job-errors-swallowed"])
def test_a_failing_job_is_retried_and_kept_failed_unless_swallowed(
    wallet_ledger_db_url: str, tmp_path: Path, defect: str | None
) -> None:
    defects = (FAILING,) if defect is None else (FAILING, defect)
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects) as stack:
        session_id = paid_topup(stack)

        final = wait_until(
            lambda: [s for s in job_statuses(stack) if s in ("succeeded", "failed")],
            what="the job to end",
        )
        events = inbox(stack, session_id)
        assert [event[:2] for event in events] == [(COMPLETED, "failed")]
        assert "names no organisation" in (events[0][3] or "")
        if defect is None:
            assert final == ["failed"]  # visible: the queue says so, after every retry
            assert job_attempts(stack) == [3]
        else:
            assert final == ["succeeded"]  # "done": no retry, no failed job anywhere
            assert job_attempts(stack) == [1]
            assert events[0][2] == 1
        assert (balance(stack), ledger_rows(stack)) == (0, [])


@pytest.mark.parametrize("defect", [None, "returns-200-on-error"])
def test_an_inline_failure_answered_200_leaves_nothing_to_retry(
    wallet_ledger_db_url: str, tmp_path: Path, defect: str | None
) -> None:
    defects = (FAILING,) if defect is None else (FAILING, defect)
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects) as stack:
        session_id = paid_topup(stack)

        assert delivery_codes(stack, session_id) == [200]
        pending = stack.control.deliveries(object_id=session_id).pending
        assert pending == []  # Stripe took the 200 at its word: no retry will come
        events = wait_until(
            lambda: [e for e in inbox(stack, session_id) if e[1] == "failed"], what="failure"
        )
        if defect is None:
            # the queue still holds the event: retried, then kept as a failed job
            wait_until(lambda: job_statuses(stack) == ["failed"], what="the job to fail")
        else:
            # processed in the request, failed, answered 200: no job, one attempt, lost
            assert job_statuses(stack) == []
            assert events[0][2] == 1
        assert (balance(stack), ledger_rows(stack)) == (0, [])


def test_no_stalled_job_recovery_leaves_a_dead_workers_job_doing_for_ever(
    wallet_ledger_db_url: str, tmp_path: Path
) -> None:
    env = {"JOB_STALLED_AFTER_SECONDS": "2"}
    defects = ("no-stalled-job-recovery",)
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects, env=env) as stack:
        stack.stop_worker()
        session_id = new_topup(stack, 5000)
        stack.control.pay(session_id)
        stack.control.settle()
        leave_running_by_a_dead_worker(stack)
        stack.start_worker()

        # the healthy app queues it again within the limit and a sweep (test_stalled_jobs.py)
        moved = poll_until(lambda: job_statuses(stack) != ["doing"], timeout=10)

        assert not moved, job_statuses(stack)
        assert delivery_codes(stack, session_id) == [200]  # Stripe was told: it will not resend
        assert (balance(stack), ledger_rows(stack)) == (0, [])


def test_ack_before_store_loses_what_a_crash_catches_unwritten(
    wallet_ledger_db_url: str, tmp_path: Path
) -> None:
    env = {"WEBHOOK_BATCH_SECONDS": "60"}  # the crash always comes before the batch is written
    defects = ("ack-before-store",)
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects, env=env) as stack:
        session_id = new_topup(stack, 5000)
        stack.control.add_fault("hold", event_type=COMPLETED, times=None)
        stack.control.pay(session_id, wait_for_webhook=False)
        stack.control.release()  # the one delivery goes now, and is answered 200 at once
        stack.control.settle()

        stack.crash_and_restart("web")  # SIGKILL with the event still in memory

        assert delivery_codes(stack, session_id) == [200]
        wait_until(lambda: "ready" in stack.log_text("web"), what="the web process again")
        assert not poll_until(lambda: inbox(stack, session_id), timeout=3)  # never written
        assert (balance(stack), ledger_rows(stack)) == (0, [])
