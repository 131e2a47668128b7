"""Real processes on real loopback ports: start one with its output in a log file, wait until
it answers, stop it cleanly (SIGTERM, then SIGKILL after a grace period).

The stack's three services (fake_stripe, the web app, the worker) are each one of these.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from harness.polling import poll_until

STOP_GRACE_SECONDS = 10.0


class ServiceFailed(RuntimeError):
    """A service exited or did not become ready; the message carries the end of its log."""


def log_tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return "(no log yet)"
    text = path.read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:]) or "(log is empty)"


class ServiceProcess:
    """One service: ``python -m <module> <args>`` with ``env``, its output in ``log``."""

    def __init__(
        self, name: str, module: str, args: Sequence[str], env: Mapping[str, str], log: Path
    ) -> None:
        self.name = name
        self.command = [sys.executable, "-m", module, *args]
        self.env = dict(env)
        self.log = log
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def start(self) -> None:
        if self.running:
            return
        with self.log.open("ab") as out:
            out.write(f"--- starting {' '.join(self.command[1:])}\n".encode())
            out.flush()
            # a session of its own: Ctrl-C in the terminal reaches pytest, which stops us
            # in order, instead of killing the services mid-request
            self._process = subprocess.Popen(
                self.command,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
        """Poll ``ready`` until it holds; fail with the log's tail if the process dies first or
        ``timeout`` seconds pass."""

        def check() -> bool:
            if not self.running:
                raise ServiceFailed(
                    f"{self.name} exited during start-up (code {self.returncode}):\n"
                    f"{log_tail(self.log)}"
                )
            return ready()

        if not poll_until(check, timeout=timeout):
            raise ServiceFailed(
                f"{self.name} was not ready within {timeout:.0f} s ({what}):\n{log_tail(self.log)}"
            )

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.poll()

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        stop_all([self], grace)

    def _signal_stop(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # the service and anything it started

    def _wait_stopped(self, deadline: float) -> None:
        process = self._process
        if process is None:
            return
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def kill(self) -> None:
        """Die at once, mid-work, as a crashed worker would (SIGKILL)."""
        process = self._process
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def stop_all(services: Sequence[ServiceProcess], grace: float = STOP_GRACE_SECONDS) -> None:
    """Ask every service to stop at once, then wait: they shut down side by side, and any still
    running ``grace`` seconds later is killed."""
    for service in services:
        service._signal_stop()
    deadline = time.monotonic() + grace
    for service in services:
        service._wait_stopped(deadline)
