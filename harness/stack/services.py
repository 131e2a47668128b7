"""Real processes on real loopback ports: start one with its output in a log file, wait until
it answers, stop it cleanly (SIGTERM, then SIGKILL after a grace period), and say, during any
later wait, whether it died though nobody stopped it (``check_alive``).

fake_stripe and each process of the app's profile (web, worker, any side service) is one of these.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from harness.pids import group_listens, group_members
from harness.polling import poll_until
from harness.stack.leftovers import ServiceRecord, register

STOP_GRACE_SECONDS = 10.0
# after SIGKILL, how long the group's processes get to finish exiting (a big one takes a moment
# to give its memory back); one still running past it is stuck in the kernel, and not waited for
GROUP_EXIT_SECONDS = 5.0
DIED_LOG_LINES = 20  # of a process that died mid-run: enough for its traceback


class ServiceFailed(RuntimeError):
    """A service exited or did not become ready; the message carries the end of its log."""


class PortTaken(ServiceFailed):
    """Another process answered on the port a service was to listen on: ports handed out free
    a moment before can be handed to two runs at once. Starting again on other ports helps."""


class ServiceLost(ServiceFailed):
    """A part of the stack went away after it started: a process died, or the database stopped
    answering. ``heading`` says which and how, ``details`` what to read; a command line says
    both with what it was doing then (``report``)."""

    def __init__(self, heading: str, details: str) -> None:
        super().__init__(f"{heading}:\n{details}")
        self.heading = heading
        self.details = details

    def report(self, doing: str) -> str:
        return f"{self.heading} while {doing}:\n{self.details}"


class ServiceDied(ServiceLost):
    """A process the harness started, and neither stopped nor killed, has exited."""

    def __init__(self, service: ServiceProcess) -> None:
        super().__init__(
            f"{service.name} died ({exit_status(service.returncode)})",
            f"its command: {shlex.join(service.command)}\n"
            f"the last lines of {service.log}:\n{log_tail(service.log, DIED_LOG_LINES)}",
        )


def exit_status(code: int | None) -> str:
    """How a process ended, as people say it: "exit status 3", "killed by SIGKILL"."""
    if code is None:
        return "still running"
    if code >= 0:
        return f"exit status {code}"
    try:
        return f"killed by {signal.Signals(-code).name}"
    except ValueError:
        return f"killed by signal {-code}"


def log_tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return "(no log yet)"
    text = path.read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:]) or "(log is empty)"


def python_module(module: str, *args: str) -> list[str]:
    """``python -m module args`` with the Python running the harness."""
    return [sys.executable, "-m", module, *args]


class ServiceProcess:
    """One service: ``command`` with ``env`` in ``cwd``, its output in ``log``; stopped with
    ``stop_signal``, killed ``stop_grace`` seconds later."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        env: Mapping[str, str],
        log: Path,
        *,
        cwd: Path | None = None,
        stop_signal: signal.Signals = signal.SIGTERM,
        stop_grace: float = STOP_GRACE_SECONDS,
    ) -> None:
        self.name = name
        self.command = list(command)
        self.env = dict(env)
        self.log = log
        self.cwd = cwd
        self.stop_signal = stop_signal
        self.stop_grace = stop_grace
        self._process: subprocess.Popen[bytes] | None = None
        self._record: ServiceRecord | None = None  # while its group runs (harness.stack.leftovers)
        self._log_start = 0  # where this start's output begins in the log
        # the process started and neither stopped nor killed since: if it exits, it died.
        # Cleared before a deliberate stop or kill and set again once restarted, so that a
        # watch in another thread never takes a restart (the nemesis's, a scenario's) for one.
        self._meant: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def meant_to_run(self) -> bool:
        """Started, and neither stopped nor killed since."""
        return self._meant is not None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def start(self) -> None:
        if self.running:
            self._meant = self._process
            return
        with self.log.open("ab") as out:
            out.write(f"--- starting {' '.join(self.command)}\n".encode())
            out.flush()
            self._log_start = out.tell()
            try:
                # a session of its own: Ctrl-C in the terminal reaches pytest, which stops us
                # in order, instead of killing the services mid-request
                self._process = subprocess.Popen(
                    self.command,
                    env=self.env,
                    cwd=self.cwd,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                self._record = register(self.name, self._process.pid, self.command)
                self._meant = self._process
            except (FileNotFoundError, PermissionError, NotADirectoryError) as error:
                raise ServiceFailed(
                    f"{self.name} cannot start: {error.strerror}: {error.filename}"
                    f" (command {self.command}, in {self.cwd or Path.cwd()})"
                ) from None

    def output(self) -> str:
        """What the process has written since this start."""
        if not self.log.exists():
            return ""
        with self.log.open("rb") as log:
            log.seek(self._log_start)
            return log.read().decode(errors="replace")

    def wait_ready(
        self, ready: Callable[[], bool], timeout: float, what: str, port: int | None = None
    ) -> None:
        """Poll ``ready`` until it holds; fail with the log's tail if the process dies first or
        ``timeout`` seconds pass. With ``port`` (the one it was told to listen on), ready also
        means that a process of its own group listens there: two runs handed one free port at
        once (the kernel may give a port just given back) would otherwise each take the other's
        answers for their own, and one's process, unable to listen, would die unnoticed."""
        answered_elsewhere = False

        def check() -> bool:
            nonlocal answered_elsewhere
            if not self.running:
                raise failed(f"{self.name} exited during start-up (code {self.returncode})")
            if not ready():
                return False
            if port is None or self._process is None:
                return True
            answered_elsewhere = group_listens(self._process.pid, port) is False
            return not answered_elsewhere

        def failed(heading: str) -> ServiceFailed:
            if answered_elsewhere:
                return PortTaken(
                    f"{heading}; port {port} answers, but no process of {self.name}'s listens"
                    f" there: another process holds it:\n{log_tail(self.log)}"
                )
            return ServiceFailed(f"{heading}:\n{log_tail(self.log)}")

        if not poll_until(check, timeout=timeout):
            raise failed(f"{self.name} was not ready within {timeout:.0f} s ({what})")

    def check_alive(self) -> None:
        """``ServiceDied`` if the process has exited though nobody stopped or killed it. Safe
        beside a restart in another thread: a process killed on purpose is no longer the one
        meant to run by the time it has exited."""
        meant = self._meant
        if meant is not None and meant.poll() is not None and self._meant is meant:
            raise ServiceDied(self)

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.poll()

    def stop(self) -> None:
        stop_all([self])

    def _signal_stop(self) -> None:
        self._meant = None
        process = self._process
        if process is not None:  # the service and anything it started, even if it is gone
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, self.stop_signal)

    def _wait_stopped(self, since: float) -> None:
        process = self._process
        if process is None:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):  # past its grace: killed below
            process.wait(timeout=max(0.0, since + self.stop_grace - time.monotonic()))
        self._kill_group()

    def kill(self) -> None:
        """Die at once, mid-work, as a crashed worker would (SIGKILL)."""
        self._meant = None
        if self._process is not None:
            self._kill_group()

    def _kill_group(self) -> None:
        """SIGKILL to whatever is left of the group (a child that outlived its parent too),
        reap the leader, wait until every other process of the group has exited too (a child
        still dying would hold its port and connections into the next start), and forget the
        group's record."""
        process = self._process
        assert process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        poll_until(lambda: not group_members(process.pid), timeout=GROUP_EXIT_SECONDS)
        if self._record is not None:
            self._record.release()
            self._record = None


def stop_all(services: Sequence[ServiceProcess]) -> None:
    """Ask every service to stop at once, then wait: they shut down side by side, and any still
    running its ``stop_grace`` seconds later is killed."""
    for service in services:
        service._signal_stop()
    since = time.monotonic()
    for service in services:
        service._wait_stopped(since)
