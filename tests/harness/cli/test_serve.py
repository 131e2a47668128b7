"""``wallet-harness serve`` as a real process on the embedded default: it prints where
everything is, answers on the dashboard URL, lets ``fault`` find its fake through the state
file, and on SIGINT stops every process and removes the state file; a database gone for good
while it serves is said, and stops the rest."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from harness.cli import serve as serve_command
from harness.cli.main import main
from harness.cli.serve_state import ServeState, write_state
from harness.polling import poll_until
from harness.stack.wallet_stack import DATABASE_GRACE

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[3]
UP_TIMEOUT = 90.0  # real seconds for PostgreSQL, migrations and three services
STOP_TIMEOUT = 60.0


class RunningServe:
    def __init__(self, state_file: Path) -> None:
        self.state_file = state_file
        self.process = subprocess.Popen(
            [sys.executable, "-m", "harness", "serve", "--port-file", str(state_file)],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float) -> bool:
        def shown() -> bool:
            if text in self.output:
                return True
            assert self.process.poll() is None, f"serve exited early:\n{self.output}"
            return False

        return bool(poll_until(shown, timeout=timeout, interval=0.1))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=5)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[RunningServe]:
    """A serve started where a killed one left its state file behind, which it takes over."""
    state_file = tmp_path / "serve.json"
    killed = subprocess.Popen([sys.executable, "-c", "pass"])
    killed.wait()
    old = "http://127.0.0.1:1"
    write_state(state_file, ServeState(killed.pid, old, old, old, old, "postgresql://x/y"))
    running = RunningServe(state_file)
    try:
        yield running
    finally:
        running.stop()


def test_serve_prints_where_everything_is_and_stops_cleanly_on_sigint(
    serve: RunningServe, capsys: pytest.CaptureFixture[str]
) -> None:
    assert serve.wait_for("Ctrl-C stops everything.", UP_TIMEOUT), serve.output
    out = serve.output
    state = json.loads(serve.state_file.read_text())
    dashboard = re.search(r"Dashboard\s+(http://127\.0\.0\.1:\d+/dashboard/wallet)", out)
    assert dashboard is not None, out
    assert state["dashboard_url"] == dashboard.group(1)
    assert f"fake_stripe  {state['fake_url']}" in out
    assert f"Control API  {state['fake_url']}/_control" in out
    assert "test@demo.com / topup-demo-1" in out
    assert "wallet_demo_token_test" in out
    assert "wallet-harness clock advance 2h" in out
    assert "wallet-harness fault add" in out
    logs = Path(state["logs"]["web"]).parent
    assert f"Logs         {logs}/" in out

    page = httpx.get(dashboard.group(1), follow_redirects=True, timeout=10)
    assert page.status_code == 200
    assert page.url.path in ("/login", "/dashboard/wallet")
    assert main(["fault", "add", "hold", "--port-file", str(serve.state_file)]) == 0
    assert "added fault_1: hold" in capsys.readouterr().out

    serve.stop()

    assert serve.process.returncode == 0, serve.output
    assert "stopped: every process, the database and the state file are gone" in serve.output
    assert not serve.state_file.exists()
    for url in (state["fake_url"], state["web_url"]):
        with pytest.raises(httpx.TransportError):
            httpx.get(url, timeout=2)
    assert (logs / "web.log").exists()  # the logs stay for reading afterwards
    assert "Traceback" not in serve.output


def test_a_port_file_that_is_a_folder_is_refused_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--port-file", str(tmp_path)]) == 2

    err = capsys.readouterr().err
    assert f"--port-file {tmp_path}: a folder; name a file in it, such as" in err
    assert "starting the stack" not in err


def test_a_port_file_whose_folder_cannot_be_made_is_refused_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "taken").write_text("a file where the folder would go")
    state_file = tmp_path / "taken" / "serve.json"

    assert main(["serve", "--port-file", str(state_file)]) == 2

    assert f"--port-file {state_file}: cannot make" in capsys.readouterr().err


def test_a_state_file_that_cannot_be_written_stops_the_stack_and_says_so(tmp_path: Path) -> None:
    """Found once the stack is up (the folder is made before): it stops as after Ctrl-C."""
    state_file = tmp_path / f"{'s' * 246}.json"  # 251 characters; with ".partial", over 255
    done = subprocess.run(
        [sys.executable, "-m", "harness", "serve", "--port-file", str(state_file)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=UP_TIMEOUT,
        check=False,
    )

    assert done.returncode == 2, done.stdout + done.stderr
    assert f"cannot write the state file {state_file} (File name too long)" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert not state_file.exists()


def test_a_database_gone_for_good_while_serving_is_said_and_stops_the_rest(
    serve: RunningServe,
) -> None:
    """Killed outright (an OOM killer, say): serve had gone on showing a stack whose every
    page and job failed on it. It waits out the grace a restart would need, then says so."""
    assert serve.wait_for("Ctrl-C stops everything.", UP_TIMEOUT), serve.output
    state = json.loads(serve.state_file.read_text())
    with psycopg.connect(state["database_url"], autocommit=True) as conn:
        data = conn.execute("select setting from pg_settings where name = 'data_directory'")
        row = data.fetchone()
    assert row is not None
    postmaster = int((Path(row[0]) / "postmaster.pid").read_text().split()[0])

    os.kill(postmaster, signal.SIGKILL)

    limit = serve_command.DATABASE_WATCH_INTERVAL + DATABASE_GRACE + STOP_TIMEOUT
    serve.process.wait(timeout=limit)
    serve.stop()  # the output read to its end
    assert serve.process.returncode == 1, serve.output
    url = re.escape(state["database_url"])
    assert re.search(rf"the app's database at {url} is unreachable while serving:\n", serve.output)
    assert "stopping the rest" in serve.output
    assert "Traceback" not in serve.output
    assert not serve.state_file.exists()
    with pytest.raises(httpx.TransportError):
        httpx.get(state["fake_url"], timeout=2)
