"""``wallet-harness simulate`` when the stack breaks mid-run: a worker that dies is named, with
how it ended, what the run was doing and the end of its log; a database gone for good is named
by its URL (without the password) within tens of seconds. Exit 2 either way: never "the stack
did not start", never a traceback, never the rest of the plan played against a broken stack."""

from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from harness.cli import simulate as simulate_command
from harness.cli.main import main
from harness.polling import poll_until
from harness.postgres.local_cluster import local_cluster
from harness.postgres.pg_process import stop_postmaster
from harness.postgres.server import PostgresServer

pytestmark = pytest.mark.slow  # a real stack

PLAY = ["simulate", "--topups", "300", "--orgs", "5", "--worker-restarts", "0", "--no-shrink"]
STARTED_TOP_UPS = 30  # the blow falls once this many top-ups have reached the app
UP_TIMEOUT = 120.0  # real seconds for the stack to start and play that many


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The run's logs in a folder of the test's own (not the checkout's ``artifacts/``)."""
    monkeypatch.setattr(simulate_command, "artifacts_dir", lambda: tmp_path)
    return tmp_path / "simulate" / "healthy"


def top_ups_started(log_dir: Path) -> int:
    """How many top-ups the run's app was asked for, by its log."""
    web = log_dir / "web.log"
    return web.read_text().count("POST /api/wallet/topups") if web.exists() else 0


def once_playing(log_dir: Path, blow: Callable[[], None]) -> threading.Thread:
    """A thread that strikes ``blow`` once the app has taken ``STARTED_TOP_UPS`` top-ups."""

    def playing() -> bool:
        return top_ups_started(log_dir) >= STARTED_TOP_UPS

    def strike() -> None:
        if poll_until(playing, timeout=UP_TIMEOUT, interval=0.1):
            blow()

    thread = threading.Thread(target=strike)
    thread.start()
    return thread


def this_runs_worker() -> psutil.Process:
    """The worker process of the run's own stack (not one of the session's pooled stacks: its
    database is the command's ``wallet_serve_...``)."""
    for child in psutil.Process().children():
        try:
            if "worker" in child.cmdline() and "/wallet_serve_" in child.environ().get(
                "DATABASE_URL", ""
            ):
                return child
        except psutil.Error:
            continue
    raise AssertionError("the run's worker is not running")


def test_a_worker_killed_mid_run_is_named_with_its_log_and_the_run_stops(
    wallet_postgres: PostgresServer, log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    killed_at: list[float] = []

    def kill_the_worker() -> None:
        this_runs_worker().send_signal(signal.SIGKILL)  # a crash: not the harness's doing
        killed_at.append(time.monotonic())

    killer = once_playing(log_dir, kill_the_worker)
    try:
        code = main([*PLAY, "--db-url", wallet_postgres.admin_url])
    finally:
        killer.join()
    took = time.monotonic() - killed_at[0]
    out = capsys.readouterr().out

    assert code == 2, out
    assert (
        "wallet-harness simulate: worker died (killed by SIGKILL) while playing the top-ups" in out
    )
    assert re.search(r"its command: \S+ -m reference_app worker", out), out
    last_words = (log_dir / "worker.log").read_text().splitlines()[-1]
    assert "worker.log:\n" in out
    assert last_words in out  # the end of its log
    assert "the stack did not start" not in out
    assert "Traceback" not in out
    assert took < 30, f"{took:.0f} s from the kill to the report"
    assert top_ups_started(log_dir) < 100  # of 300: the rest not played on a broken stack


def test_a_database_gone_for_good_mid_run_is_named_by_its_url_within_tens_of_seconds(
    log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stopped_at: list[float] = []
    with local_cluster() as cluster:
        url = f"postgresql://postgres:s3cret@127.0.0.1:{cluster.port}/postgres"

        def stop_the_server() -> None:  # and nobody starts it again
            stop_postmaster(cluster.bindir, cluster.data_dir, cluster.run_as)
            stopped_at.append(time.monotonic())

        stopper = once_playing(log_dir, stop_the_server)
        try:
            code = main([*PLAY, "--db-url", url])
        finally:
            stopper.join()
    took = time.monotonic() - stopped_at[0]
    out = capsys.readouterr().out

    assert code == 2, out
    named = re.search(
        r"the app's database at postgresql://postgres:\*\*\*@127\.0\.0\.1:(\d+)/wallet_serve_\w+"
        r" is unreachable while playing the top-ups",
        out,
    )
    assert named is not None, out
    assert named.group(1) == str(cluster.port)
    assert "Connection refused" in out
    assert "s3cret" not in out
    assert "the stack did not start" not in out
    assert "Traceback" not in out
    assert took < 60, f"{took:.0f} s from the database's end to the report"
    assert top_ups_started(log_dir) < 150  # of 300, each waiting out the app's pool
