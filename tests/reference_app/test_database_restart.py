"""The app's database restarted (``pg_ctl restart -m fast``) or down while customers use the
app: every answer is the usual one or a 503 with ``Retry-After``, never a 500 (the pool checks
each connection it hands out, so none is dead after the restart), the app is itself again
within seconds of the database, and nothing stays stuck: a top-up paid after the restart is
credited by the webhook, also after an outage long enough for the worker's queue connections to
back off (they give up a round of attempts after a few seconds, so the worker starts a fresh
one at once rather than after the next doubled delay), and also when a job ends while the
database is down (its worker writes the job's end again until the database answers)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness.polling import poll_until
from harness.postgres.local_cluster import LocalCluster, local_cluster, restart_server
from harness.postgres.pg_process import run_pg_tool
from harness.postgres.server import PostgresServer
from harness.profile.loading import default_profile
from harness.stack.schema import migrate_and_seed
from harness.stack.wallet_stack import WalletStack
from tests.reference_app.evidence import (
    DEMO_TOKEN,
    job_statuses,
    new_topup,
    wait_for_topup,
    wait_until,
)
from tests.reference_app.running import app_stack

pytestmark = pytest.mark.slow  # a cluster of its own, restarted

BACK_WITHIN_SECONDS = 15  # the pool's reconnect round (3 s) and a request's wait (5 s), twice
# the queue's pool (procrastinate's, four connections) tries a lost connection again after 1, 2,
# 4, 8 ... s: fourteen failed attempts are an outage of several seconds, by when an attempt round
# that never ends would wait 4-8 s more before its next try (measured 5.5 s after the database
# was back; 1.8 s with the app's round of 3 s)
FAILED_ATTEMPTS = 14
WORKER_BACK_WITHIN_SECONDS = 6


@pytest.fixture
def cluster() -> Iterator[LocalCluster]:
    with local_cluster() as running:
        yield running


@pytest.fixture
def database_url(cluster: LocalCluster) -> str:
    server = PostgresServer("local-binaries", cluster.admin_url)
    url = server.create_database(prefix="wallet_restart")
    migrate_and_seed(url, default_profile())
    return url


@pytest.fixture
def stack(database_url: str, tmp_path: Path) -> Iterator[WalletStack]:
    with app_stack(database_url, tmp_path) as running:
        yield running


def stop_server(cluster: LocalCluster) -> None:
    stop = [str(cluster.bindir / "pg_ctl"), "stop", "-m", "fast", "-w", "-D", str(cluster.data_dir)]
    assert run_pg_tool(stop, cluster.run_as, cwd=cluster.base_dir).returncode == 0


def asked(api: httpx.Client, session_id: str) -> list[httpx.Response]:
    """What the app answers now to a landing check, a new top-up and the transactions list."""
    return [
        api.get(f"/api/wallet/topups/{session_id}"),
        api.post("/api/wallet/topups", json={"amount_pence": 1000}),
        api.get(f"/api/wallet/topups/{session_id}"),
    ]


def usual_or_503(answers: list[httpx.Response]) -> None:
    for answer in answers:
        assert answer.status_code in (200, 201, 503), (answer.request.url, answer.text)
        if answer.status_code == 503:
            assert answer.headers["retry-after"] == "2"
            assert "the database is unavailable just now" in answer.json()["error"]


def test_a_restart_costs_no_500_and_leaves_nothing_stuck(
    cluster: LocalCluster, stack: WalletStack
) -> None:
    session_id = new_topup(stack, 5000)
    with stack.api(DEMO_TOKEN) as api:
        usual_or_503(asked(api, session_id))

        restart_server(cluster)
        after = asked(api, session_id)

        usual_or_503(after)
        assert [answer.status_code for answer in after] == [200, 201, 200]  # no dead connection

    stack.control.pay(session_id)
    stack.control.settle()
    assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")


def test_while_the_database_is_down_the_app_answers_503_with_retry_after(
    cluster: LocalCluster, stack: WalletStack
) -> None:
    session_id = new_topup(stack, 5000)
    stop_server(cluster)
    with stack.api(DEMO_TOKEN) as api:
        down = asked(api, session_id)
        restart_server(cluster)  # pg_ctl restart starts a stopped server too
        meanwhile: list[httpx.Response] = []

        def landing_check_answers() -> bool:
            meanwhile.append(api.get(f"/api/wallet/topups/{session_id}"))
            return meanwhile[-1].status_code == 200

        recovered = poll_until(landing_check_answers, timeout=BACK_WITHIN_SECONDS, interval=0.2)
        back = asked(api, session_id)

    usual_or_503(down)
    assert [answer.status_code for answer in down] == [503, 503, 503]
    usual_or_503(meanwhile)  # the database back, the app catching up: 503s, then itself
    assert recovered, f"still {meanwhile[-1].status_code} {BACK_WITHIN_SECONDS} s after the restart"
    assert [answer.status_code for answer in back] == [200, 201, 200]


def test_after_a_long_outage_the_worker_takes_up_new_work_within_seconds(
    cluster: LocalCluster, stack: WalletStack
) -> None:
    session_id = new_topup(stack, 5000)
    worker_log = stack.worker.log
    failures_before = worker_log.read_text().count("error connecting in 'pool-")
    stop_server(cluster)

    def backed_off() -> bool:
        failures = worker_log.read_text().count("error connecting in 'pool-") - failures_before
        return failures >= FAILED_ATTEMPTS

    assert poll_until(backed_off, timeout=60, interval=0.2), worker_log.read_text()[-3000:]
    restart_server(cluster)
    back = time.monotonic()
    stack.control.pay(session_id)
    stack.control.settle()

    assert wait_for_topup(stack, session_id, "credited", timeout=30) == ("credited", "webhook")
    took = time.monotonic() - back
    assert took < WORKER_BACK_WITHIN_SECONDS, f"credited {took:.1f} s after the database was back"


def test_a_job_that_ends_while_the_database_is_down_is_run_again_once_it_is_back(
    cluster: LocalCluster, database_url: str, tmp_path: Path
) -> None:
    """The worker's read of the session is held (the app's Stripe timeout then gives up) while
    the database stops, so the job ends while the database is down: its credit cannot be
    written, nor procrastinate's record of its end (back to ``todo`` for a retry). Once the
    database is back, that record is written and the retry credits the top-up, by the webhook.
    Before, the write was lost, the job stayed ``doing``, and only the stalled-job sweep could
    take it back, once the worker's heartbeat had stopped (never, for a restart between two
    beats: the failure CI met under the nemesis's database restarts). The stalled-job bound is
    set beyond the test's waits, so that rescue cannot stand in for the record being written
    (with the profile's 10 s it can: the heartbeat stops with the database, and the outage, a
    loaded machine's restart and the connector's pauses can add up to that)."""
    with app_stack(database_url, tmp_path, env={"JOB_STALLED_AFTER_SECONDS": "120"}) as stack:
        ends_while_the_database_is_down(cluster, stack)


def test_a_job_whose_end_cannot_be_written_in_time_is_taken_back_as_stalled(
    cluster: LocalCluster, database_url: str, tmp_path: Path
) -> None:
    """An outage longer than the worker's patience for writing a job's end (1 s here, 120 s by
    default): the worker says it gave up and that the job stays ``doing``; the database back,
    the stalled-job sweep takes the job back (the worker's heartbeat stopped with the database)
    and its retry credits the top-up, by the webhook. Nothing is lost, only later."""
    env = {"JOB_END_PATIENCE_SECONDS": "1", "JOB_STALLED_AFTER_SECONDS": "5"}
    with app_stack(database_url, tmp_path, env=env) as stack:
        gave_up = "its end could not be recorded within 1 s; it stays 'doing'"
        session_id = job_ending_while_the_database_is_down(cluster, stack, gave_up)
        restart_server(cluster)

        assert wait_for_topup(stack, session_id, "credited", timeout=60) == ("credited", "webhook")
        wait_until(lambda: job_statuses(stack) == ["succeeded"], what="the job to succeed")
        assert "was left running by worker" in stack.worker.log.read_text()


def ends_while_the_database_is_down(cluster: LocalCluster, stack: WalletStack) -> None:
    # the app's connector says so; procrastinate alone leaves an unretrieved task error
    session_id = job_ending_while_the_database_is_down(
        cluster, stack, "could not record its end", "Task exception was never retrieved"
    )
    restart_server(cluster)

    assert wait_for_topup(stack, session_id, "credited", timeout=30) == ("credited", "webhook")
    wait_until(lambda: job_statuses(stack) == ["succeeded"], what="the job to succeed")
    assert "was left running by worker" not in stack.worker.log.read_text()  # no stalled rescue


def job_ending_while_the_database_is_down(
    cluster: LocalCluster, stack: WalletStack, *worker_says: str
) -> str:
    """A paid top-up whose job's Stripe read is held until the app gives up on it, the database
    stopped meanwhile; returns once the worker's log says one of ``worker_says``, the database
    left down."""
    session_id = new_topup(stack, 5000)
    stack.control.add_api_fault("timeout", method="GET", path="/v1/checkout/sessions/*", seconds=30)
    stack.control.pay(session_id)
    stack.control.settle()  # the webhook was answered 200 and its job queued
    wait_until(stack.control.api_fault_hits, what="the worker's read of the session to be held")
    stop_server(cluster)
    worker_log = stack.worker.log

    def said() -> bool:
        text = worker_log.read_text()
        return any(words in text for words in worker_says)

    assert poll_until(said, timeout=30, interval=0.2), worker_log.read_text()[-3000:]
    return session_id
