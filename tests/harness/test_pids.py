"""``process_alive`` and ``group_members``: one answer for the harness, and a zombie is dead."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import psutil

from harness.pids import group_members, process_alive
from harness.polling import poll_until


def test_a_running_process_is_alive() -> None:
    # stays up until killed: signal.pause() returns only when a signal is handled
    child = subprocess.Popen([sys.executable, "-c", "import signal; signal.pause()"])
    try:
        assert process_alive(child.pid)
    finally:
        child.kill()
        child.wait()


def test_a_process_that_exited_but_was_not_reaped_is_dead() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        # until its parent (this process) waits for it, the exited child is a zombie
        assert poll_until(
            lambda: psutil.Process(child.pid).status() == psutil.STATUS_ZOMBIE, timeout=10
        )
        assert not process_alive(child.pid)
    finally:
        child.wait()


def test_a_reaped_process_is_dead() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()

    assert not process_alive(child.pid)


def test_this_process_and_someone_elses_are_alive() -> None:
    assert process_alive(os.getpid())
    assert process_alive(1)  # init: not ours, and there


def test_a_group_is_alive_while_a_member_runs_and_not_once_its_members_are_zombies() -> None:
    # a leader in a session of its own, and a child of it in the same group
    script = (
        "import subprocess, sys, signal; subprocess.Popen([sys.executable, '-c', "
        "'import signal; signal.pause()']); print('up', flush=True); signal.pause()"
    )
    leader = subprocess.Popen(
        [sys.executable, "-c", script], start_new_session=True, stdout=subprocess.PIPE
    )
    try:
        assert leader.stdout is not None
        assert leader.stdout.readline() == b"up\n"
        members = [process.pid for process in group_members(leader.pid)]
        assert leader.pid in members
        assert len(members) == 2
        assert os.getpid() not in members  # this test runs in a group of its own

        os.killpg(leader.pid, signal.SIGKILL)
        # the leader stays a zombie until this process reaps it; the child, orphaned, until
        # PID 1 does: neither runs
        assert poll_until(lambda: not group_members(leader.pid), timeout=10)
    finally:
        leader.wait()


def test_a_group_with_no_process_has_no_members() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"], start_new_session=True)
    child.wait()

    assert group_members(child.pid) == []
