"""A harness run that dies outright leaves its app's process groups behind; the next run's
sweep stops them (children included), leaves a live run's alone, and never touches a process
that merely reuses a dead group's pid. A normal stop leaves no record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from harness.polling import poll_until
from harness.stack.leftovers import services_dir, sweep_leftover_services
from harness.stack.services import ServiceProcess

pytestmark = pytest.mark.slow  # real processes

TREE = ["sh", "-c", "sleep 300 & sleep 300"]  # a service with a child of its own
HARNESS = """
import os, sys, threading
from pathlib import Path
from harness.stack.services import ServiceProcess
service = ServiceProcess("web", ["sh", "-c", "sleep 300 & sleep 300"], dict(os.environ),
                         Path(sys.argv[1]))
service.start()
print(service.pid, flush=True)
threading.Event().wait()
"""


def group(pgid: int) -> list[psutil.Process]:
    members = []
    for process in psutil.process_iter():
        try:
            if os.getpgid(process.pid) == pgid and process.status() != psutil.STATUS_ZOMBIE:
                members.append(process)
        except (psutil.Error, ProcessLookupError):
            continue
    return members


def records_of(pid: int) -> list[Path]:
    return list(services_dir().glob(f"*-{pid}.json"))


def test_the_groups_of_a_harness_run_killed_outright_are_stopped(tmp_path: Path) -> None:
    harness = subprocess.Popen(
        [sys.executable, "-c", HARNESS, str(tmp_path / "web.log")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert harness.stdout is not None
        pgid = int(harness.stdout.readline())
        assert poll_until(lambda: len(group(pgid)) >= 2, timeout=10)  # sh and its sleeps
    finally:
        harness.kill()  # SIGKILL: no cleanup of its own
        harness.wait()
    assert len(group(pgid)) >= 2  # orphaned, still running
    stopped = sweep_leftover_services()

    # (a run starting meanwhile, another test's, may have swept it first: then it is gone too)
    assert any(f"process group {pgid}" in line for line in stopped) or not records_of(pgid)
    assert poll_until(lambda: group(pgid) == [], timeout=10)
    assert records_of(pgid) == []


def test_a_live_runs_groups_are_left_alone_and_a_stop_forgets_them(tmp_path: Path) -> None:
    service = ServiceProcess("web", TREE, dict(os.environ), tmp_path / "web.log")
    service.start()
    assert service.pid is not None
    pgid = service.pid
    try:
        sweep = "from harness.stack.leftovers import sweep_leftover_services as s; print(s())"
        subprocess.run([sys.executable, "-c", sweep], check=True, timeout=60)
        assert service.running
        assert records_of(pgid)
    finally:
        service.stop()
    assert poll_until(lambda: group(pgid) == [], timeout=5)  # the child too
    assert records_of(pgid) == []


def test_a_pid_now_used_by_another_process_is_not_touched() -> None:
    other = subprocess.Popen(["sleep", "300"], start_new_session=True)
    record = services_dir() / f"999999-{other.pid}.json"
    fake = {"name": "web", "pgid": other.pid, "leader_created": 1.0, "owner": 999999}
    record.write_text(json.dumps({**fake, "command": "an old web process"}))
    try:
        stopped = sweep_leftover_services()
        assert not any(f"process group {other.pid}" in line for line in stopped)
        assert other.poll() is None  # still running
        assert not record.exists()  # the stale record is gone
    finally:
        other.send_signal(signal.SIGKILL)
        other.wait()
