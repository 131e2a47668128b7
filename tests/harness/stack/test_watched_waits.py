"""The waits on a running stack watch its processes: a worker killed while a scenario waits for
its queue ends the wait at once, named, instead of at the wait's timeout; the restarts the
harness makes itself (the nemesis's, the runner's, a scenario's) are never taken for a death;
a reset brings back a worker that died, and names a web process that did; a queue left full is
reported with its jobs and the worker's log.

The app is a tiny one of real processes whose worker never takes a job, so the queue it shows
stays full for as long as anyone waits on it."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.polling import poll_until
from harness.profile.loading import LoadedProfile, parse_profile
from harness.scenario import Scenario, StackNotQuiet
from harness.stack.schema import migrate_and_seed
from harness.stack.services import ServiceDied
from harness.stack.wallet_stack import StackConfig, WalletStack
from tests.harness.profile.screens import SCREEN

pytestmark = pytest.mark.slow  # real processes

SERVE = ["{python}", "-m", "http.server", "{port}", "--bind", "127.0.0.1"]
IDLE = "import threading; print('worker up', flush=True); threading.Event().wait()"
SCHEMA = """
create table wallets (org text primary key, pence int not null);
create table entries (n serial, org text, kind text, cents int, before_cents int,
                      after_cents int, checkout text);
create table jobs (id serial, status text not null);
insert into jobs (status) values ('todo');  -- nobody will ever take it
create table probe (asked int not null);  -- how often the queue was looked at
insert into probe values (0);
"""
LEDGER = {
    "balances_sql": "select org as org_id, pence as balance_pence from wallets",
    "rows_sql": (
        "select n as id, org as org_id, kind as type, 'credit' as direction,"
        " cents as amount_pence, before_cents as balance_before_pence,"
        " after_cents as balance_after_pence, null as stripe_payment_intent_id,"
        " checkout as stripe_checkout_session_id, null as description, null as created"
        " from entries"
    ),
}
QUEUE_PROBE = (
    "update probe set asked = asked + 1"
    " returning (select count(*) from jobs where status <> 'done'), 0"
)
QUIET_TIMEOUT = 60.0  # what the wait would take if nobody noticed the worker die


def idle_app(folder: Path) -> LoadedProfile:
    (folder / "schema.sql").write_text(SCHEMA)
    raw: dict[str, Any] = {
        "name": "an app whose worker idles",
        "processes": {
            "web": {"command": SERVE, "ready": {"http": "{public_url}/"}, "stop_grace": 5},
            "worker": {"command": ["{python}", "-c", IDLE], "ready": {"log": "^worker up$"}},
        },
        "database": {"schema_sql": ["schema.sql"], "reset": {"sql": "select 1"}},
        "stripe": {"registers_endpoint": False, "webhook_path": "/hooks/stripe"},
        "capabilities": {
            "worker": "worker",
            "queue_probe": {"sql": QUEUE_PROBE},
            "jobs_sql": "select id, status, 0 as attempts, null as event_id from jobs",
        },
        "ledger": LEDGER,
        "screen": SCREEN,
    }
    return LoadedProfile(folder / "app.toml", parse_profile(raw))


@pytest.fixture
def stack(wallet_db_url: str, tmp_path: Path) -> Iterator[WalletStack]:
    profile = idle_app(tmp_path)
    migrate_and_seed(wallet_db_url, profile)
    running = WalletStack(StackConfig(wallet_db_url, tmp_path / "logs", profile=profile))
    try:
        yield running.start()
    finally:
        running.stop()


def looks_at_the_queue(stack: WalletStack) -> int:
    with stack.connect() as conn:
        row = conn.execute("select asked from probe").fetchone()
    assert row is not None
    return int(row[0])


def test_a_worker_killed_mid_wait_ends_the_wait_at_once_named(stack: WalletStack) -> None:
    world = Scenario(stack, None)
    before = looks_at_the_queue(stack)
    worker_pid = stack.worker.pid
    assert worker_pid is not None

    def kill_once_the_wait_polls() -> None:
        if poll_until(lambda: looks_at_the_queue(stack) > before + 1, timeout=QUIET_TIMEOUT):
            os.kill(worker_pid, signal.SIGKILL)  # a crash, not the harness's doing

    killer = threading.Thread(target=kill_once_the_wait_polls)
    killer.start()
    started = time.monotonic()
    try:
        with pytest.raises(ServiceDied) as raised:
            world.wait_until_quiet(QUIET_TIMEOUT)
        took = time.monotonic() - started
    finally:
        killer.join()

    assert took < 10, f"the wait took {took:.1f} s: it waited out the queue, not the worker"
    assert raised.value.heading == "worker died (killed by SIGKILL)"
    assert "worker up" in raised.value.details  # the end of its log


def test_a_queue_left_full_is_reported_with_its_jobs_and_the_worker_log(
    stack: WalletStack,
) -> None:
    with pytest.raises(StackNotQuiet) as raised:
        Scenario(stack, None).wait_until_quiet(1.0)

    report = str(raised.value)
    assert report.startswith("the worker still had queued jobs after 1 s: todo 1\n"), report
    assert "the worker's log, its last lines:" in report
    assert "worker up" in report


def test_a_queue_that_does_not_move_is_stuck_once_still_for_the_limit(
    stack: WalletStack,
) -> None:
    started = time.monotonic()
    with pytest.raises(StackNotQuiet) as raised:
        Scenario(stack, None).wait_until_quiet(QUIET_TIMEOUT, still_for=1.0)
    took = time.monotonic() - started

    assert took < 10, f"the wait took {took:.1f} s: it waited out its timeout, not the stillness"
    report = str(raised.value)
    assert report.startswith("the worker's queue did not move for 1 s: todo 1\n"), report
    assert "worker up" in report  # the end of the worker's log, as for a timeout


def test_a_queue_that_moves_is_waited_for_past_the_limit_until_it_drains(
    stack: WalletStack,
) -> None:
    done = threading.Event()

    def work_through_the_queue() -> None:
        """A job more every 0.2 s for about a second and a half (the count never still for
        1 s), then all of them done."""
        with stack.connect() as conn:
            for _ in range(8):
                conn.execute("insert into jobs (status) values ('todo')")
                if done.wait(0.2):
                    return
            conn.execute("update jobs set status = 'done'")

    worker = threading.Thread(target=work_through_the_queue)
    worker.start()
    started = time.monotonic()
    try:
        Scenario(stack, None).wait_until_quiet(QUIET_TIMEOUT, still_for=1.0)
    finally:
        done.set()
        worker.join()

    assert time.monotonic() - started >= 1.5  # it waited through the moving queue
    with stack.connect() as conn:
        assert conn.execute("select count(*) from jobs where status <> 'done'").fetchone() == (0,)


def test_the_restarts_the_harness_makes_itself_are_not_deaths(stack: WalletStack) -> None:
    seen: list[ServiceDied] = []
    done = threading.Event()

    def watch() -> None:
        def looked() -> bool:
            stack.check_alive()
            return done.is_set()

        try:
            poll_until(looked, timeout=120, interval=0.001)
        except ServiceDied as died:
            seen.append(died)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for _ in range(3):
            stack.crash_and_restart("worker")  # the nemesis's kill-worker
            stack.crash_and_restart("web")  # and its kill-web
            stack.stop_worker()  # the runner's restart_before, a scenario's worker steps
            stack.start_worker()
        stack.restart_web()  # a deploy
    finally:
        done.set()
        watcher.join()

    assert seen == []
    stack.check_alive()
    stack.stop_worker()
    stack.check_alive()  # stopped on purpose: the scenario's evidence, not a death


def test_a_reset_starts_a_new_worker_for_one_that_died_and_says_so(
    stack: WalletStack, caplog: pytest.LogCaptureFixture
) -> None:
    old = stack.worker.pid
    assert old is not None
    os.kill(old, signal.SIGKILL)
    assert poll_until(lambda: not stack.worker.running, timeout=30)

    with caplog.at_level(logging.WARNING, logger="harness.stack.wallet_stack"):
        stack.reset()

    assert stack.worker.running
    assert stack.worker.pid != old
    assert "worker died (killed by SIGKILL)" in caplog.text
    stack.check_alive()


def test_a_reset_names_a_web_process_that_died(stack: WalletStack) -> None:
    assert stack.web.pid is not None
    os.kill(stack.web.pid, signal.SIGKILL)
    assert poll_until(lambda: not stack.web.running, timeout=30)

    with pytest.raises(ServiceDied, match=r"^web died \(killed by SIGKILL\)"):
        stack.reset()
