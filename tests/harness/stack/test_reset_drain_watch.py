"""The reset's drain watches the worker: one that died with a job running never finishes it,
so the drain says so at once, naming it, instead of timing out as if the worker were stuck."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from harness.polling import poll_until
from harness.profile.loading import default_profile
from harness.stack.reset import DRAIN_TIMEOUT, SeedSnapshot, empty_and_reseed
from harness.stack.services import ServiceDied, ServiceProcess

SETTINGS = default_profile().app.database.reset.snapshot
assert SETTINGS is not None

pytestmark = pytest.mark.slow  # a real PostgreSQL and a real process


def test_a_worker_that_died_mid_job_stops_the_drain_at_once_named(
    conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    snapshot = SeedSnapshot.take(conn, SETTINGS.keep)
    conn.execute(  # the job the worker was running when it died
        "insert into procrastinate_jobs (queue_name, task_name, args, status)"
        " values ('webhooks', 'process_stripe_event', '{}', 'doing')"
    )
    worker = ServiceProcess(
        "worker",
        [sys.executable, "-c", "print('took job 1', flush=True); raise SystemExit(70)"],
        os.environ,
        tmp_path / "worker.log",
    )
    worker.start()
    assert poll_until(lambda: not worker.running, timeout=30)
    started = time.monotonic()

    with pytest.raises(ServiceDied, match=r"^worker died \(exit status 70\)(?s:.*)took job 1"):
        empty_and_reseed(conn, snapshot, SETTINGS, drain=True, watch=worker.check_alive)

    assert time.monotonic() - started < DRAIN_TIMEOUT / 3
    row = conn.execute("select count(*) from procrastinate_jobs").fetchone()
    assert row == (1,)  # nothing emptied: the next scenario would not start clean
