"""A worker killed mid-job leaves its job ``doing`` with the worker's id and a heartbeat that
stops. The next worker queues such a job again within ``JOB_STALLED_AFTER_SECONDS`` and runs it,
so the payment Stripe was told is ours (answered 200) is credited by the webhook, not left for
reconciliation. Before, the job stayed ``doing`` for ever."""

from __future__ import annotations

import time
from pathlib import Path

from harness.stack.wallet_stack import WalletStack
from tests.reference_app.evidence import job_statuses, new_topup, wait_for_topup, wait_until
from tests.reference_app.running import app_stack

STALLED_AFTER = "3"


def leave_running_by_a_dead_worker(stack: WalletStack) -> None:
    """What ``kill -9`` of a worker mid-job leaves: the job ``doing``, held by a worker whose
    heartbeat stopped a minute ago."""
    with stack.connect() as conn:
        row = conn.execute(
            "insert into procrastinate_workers (last_heartbeat)"
            " values (now() - interval '1 minute') returning id"
        ).fetchone()
        assert row is not None
        conn.execute(
            "update procrastinate_jobs set status = 'doing', worker_id = %s where status = 'todo'",
            (row[0],),
        )


def test_a_job_a_dead_worker_left_running_is_run_again(
    wallet_ledger_db_url: str, tmp_path: Path
) -> None:
    env = {"JOB_STALLED_AFTER_SECONDS": STALLED_AFTER}
    with app_stack(wallet_ledger_db_url, tmp_path, env=env) as stack:
        stack.stop_worker()
        session_id = new_topup(stack, 5000)
        stack.control.pay(session_id)
        stack.control.settle()  # the webhook was answered 200 and its job queued
        assert job_statuses(stack) == ["todo"]
        leave_running_by_a_dead_worker(stack)
        assert job_statuses(stack) == ["doing"]

        started = time.monotonic()
        stack.start_worker()

        assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")
        assert time.monotonic() - started < 20  # within the stall limit and a sweep or two
        wait_until(lambda: job_statuses(stack) == ["succeeded"], what="the job to succeed")
        with stack.connect() as conn:
            attempts = conn.execute("select attempts from procrastinate_jobs").fetchone()
        assert attempts == (2,)  # the dead worker's run, and this one
        assert "was left running by worker" in stack.log_text("worker")
