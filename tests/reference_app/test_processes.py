"""``web --processes N`` and ``worker --processes N`` (the reference profile's ``{processes}``,
what ``simulate --app-processes`` asks for): the web processes share one port and one webhook
endpoint at Stripe, so every delivery verifies whichever process takes it; the workers share
the queue, each job run once; a signal to the process group stops them all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.pids import process_alive
from harness.polling import poll_until
from harness.stack.wallet_stack import StackConfig, WalletStack
from tests.reference_app.evidence import job_statuses, paid_topup, wait_for_topup

pytestmark = pytest.mark.slow  # four app processes

TOPUPS = 12


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (Linux: /proc/PID/task/*/children)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def test_two_web_and_two_worker_processes_credit_every_top_up_once(
    wallet_ledger_db_url: str, tmp_path: Path
) -> None:
    config = StackConfig(wallet_ledger_db_url, tmp_path, processes={"web": 2, "worker": 2})
    with WalletStack(config) as stack:
        web_log, worker_log = stack.web.log, stack.worker.log
        assert poll_until(lambda: web_log.read_text().count("web app ready") == 2, timeout=20)
        assert poll_until(lambda: worker_log.read_text().count(": concurrency") == 2, timeout=20)
        assert len(stack.stripe.v1.webhook_endpoints.list().data) == 1  # one made it, one found it

        sessions = [paid_topup(stack, 1000 + n) for n in range(TOPUPS)]

        for session_id in sessions:
            assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")
        assert poll_until(lambda: set(job_statuses(stack)) == {"succeeded"}, timeout=20)
        assert len(job_statuses(stack)) == TOPUPS  # each job once, by one of the two
        attempts = stack.control.deliveries().attempts
        assert all(attempt.succeeded for attempt in attempts)  # none failed its signature
        with stack.connect() as conn:
            row = conn.execute(
                "select count(*), count(distinct stripe_checkout_session_id)"
                " from credit_transactions where type = 'topup'"
            ).fetchone()
        assert row == (TOPUPS, TOPUPS)
        worker_pid = stack.worker.pid
        assert worker_pid is not None
        others = children(worker_pid)
        assert others  # the second worker, started by the first

    for pid in others:  # stopped with the group: gone (or a zombie) once the stack has stopped
        assert not process_alive(pid), pid


def test_a_count_below_one_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reference_app", "worker", "--processes", "0"],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": "postgresql://nowhere/none"},
        check=False,
    )

    assert done.returncode == 2
    assert "--processes: at least 1, not 0" in done.stderr
