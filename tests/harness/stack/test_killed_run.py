"""``wallet-harness run`` killed outright (SIGKILL, as a CI timeout or the OOM killer does it)
in the middle of a scenario, then run again: after the second run nothing of the first is left,
no process (fake, web, worker, PostgreSQL, browser), no port held, no temporary folder, and the
second run says what it swept.

Both runs get a temporary root of their own (``TMPDIR``): the PostgreSQL cluster, the harness's
folders, Playwright's profile and Chromium's own folder all land there, so what the killed run
left is told apart from what the other xdist workers' long-lived browsers and clusters write to
the shared ``/tmp`` and ``/dev/shm`` meanwhile."""

from __future__ import annotations

import getpass
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from harness.polling import poll_until
from harness.postgres.cluster_registry import TMP_ROOT_ENV, harness_tmp_dir
from harness.project import find_project_root

pytestmark = pytest.mark.slow  # two runs of the harness, each with a whole stack

ROOT = find_project_root()
SCENARIOS = "test_the_webhook_credits_a_topup_of_amount"  # five: the first run is killed in one
ONE_SCENARIO = f"{SCENARIOS} and 50.00"  # the second run's: enough to sweep and then pass
RUN_TIMEOUT = 300


@dataclass(frozen=True)
class Left:
    pid: int
    created: float
    command: str
    ports: tuple[int, ...]


def descendants(pid: int) -> list[Left]:
    found = []
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    for child in children:
        try:
            ports = tuple(
                c.laddr.port for c in child.net_connections("inet") if c.status == "LISTEN"
            )
            found.append(Left(child.pid, child.create_time(), " ".join(child.cmdline()), ports))
        except psutil.Error:
            continue
    return found


def alive(left: Left) -> bool:
    try:
        process = psutil.Process(left.pid)
        same = abs(process.create_time() - left.created) < 0.01
        return same and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def everything_running(pid: int) -> bool:
    commands = " | ".join(left.command for left in descendants(pid))
    # (PostgreSQL is not among them: pg_ctl detaches it; its data folder in /dev/shm or the
    # temporary folder stands for it below)
    wanted = ("fake_stripe", "reference_app web", "reference_app worker", "chrom")
    return all(part in commands for part in wanted)


def temporary_entries(root: Path) -> set[str]:
    """What is in a run's temporary root and in the harness's folders there, less what is kept
    on purpose: the harness's registries, its initdb template cache, pytest's numbered folders."""
    harness = harness_tmp_dir(root)
    kept = {harness} | {harness / name for name in ("clusters", "folders", "services")}
    kept |= {harness / "templates", root / f"pytest-of-{getpass.getuser()}"}
    folders = [root, harness, *(path for path in harness.iterdir() if path in kept)]
    entries = {entry for folder in folders for entry in folder.iterdir()}
    return {str(entry) for entry in entries - kept if entry.parent != harness / "templates"}


def harness_run(selection: str, *arguments: str) -> list[str]:
    return [sys.executable, "-m", "harness", "run", "-k", selection, "-p", "no:xdist", *arguments]


def test_a_run_killed_outright_leaves_nothing_after_the_next_run(tmp_root: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_root)}
    env.pop(TMP_ROOT_ENV, None)
    first = subprocess.Popen(
        harness_run(SCENARIOS),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # killed alone below: only the harness's own process
    )
    try:
        assert poll_until(lambda: everything_running(first.pid), timeout=120, interval=0.05), (
            "the first run never had its whole stack and a browser up"
        )
        left = descendants(first.pid)
        created = temporary_entries(tmp_root)
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait()

    second = subprocess.run(
        harness_run(ONE_SCENARIO, "-q"),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )

    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    still = [f"{item.pid} {item.command[:120]}" for item in left if alive(item)]
    assert still == [], "left running after the next run:\n" + "\n".join(still)
    ports = {port for item in left for port in item.ports}
    held = {c.laddr.port for c in psutil.net_connections("inet") if c.status == "LISTEN"}
    assert ports & held == set(), f"ports of the killed run still held: {sorted(ports & held)}"
    assert any("chromium" in entry.lower() for entry in created), created  # the root held all
    remaining = sorted(created & temporary_entries(tmp_root))
    assert remaining == [], f"temporary folders of the killed run still there: {remaining}"
    swept = second.stdout + second.stderr
    assert "swept" in swept, swept[-3000:]
