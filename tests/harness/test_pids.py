"""``process_alive``: one answer for the whole harness, and a zombie is dead."""

from __future__ import annotations

import os
import subprocess
import sys

import psutil

from harness.pids import process_alive
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
