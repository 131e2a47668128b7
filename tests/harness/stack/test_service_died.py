"""A process that dies after it started is named with its command, how it ended and the end of
its log; one stopped or killed on purpose is not; a database gone is named by its URL, without
the password, within its grace."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from harness.polling import poll_until
from harness.ports import free_port
from harness.stack import wallet_stack
from harness.stack.services import ServiceDied, ServiceFailed, ServiceProcess, exit_status
from harness.stack.wallet_stack import DatabaseUnreachable, StackConfig, WalletStack

LAST_WORDS = (
    "import sys; print('loading the config'); print('config.toml: no [queue]'); sys.exit(3)"
)
SERVE = "import signal; print('serving', flush=True); signal.pause()"


@pytest.fixture
def services(tmp_path: Path) -> Iterator[list[ServiceProcess]]:
    """Services a test starts; each is killed afterwards."""
    started: list[ServiceProcess] = []
    yield started
    for service in started:
        service.kill()


def start(started: list[ServiceProcess], tmp_path: Path, name: str, code: str) -> ServiceProcess:
    service = ServiceProcess(
        name, [sys.executable, "-c", code], os.environ, tmp_path / f"{name}.log"
    )
    started.append(service)
    service.start()
    return service


def gone(service: ServiceProcess) -> None:
    assert poll_until(lambda: not service.running, timeout=30), f"{service.name} still runs"


@pytest.mark.slow  # a real process
def test_a_process_that_exits_is_named_with_its_command_status_and_log(
    services: list[ServiceProcess], tmp_path: Path
) -> None:
    service = start(services, tmp_path, "worker", LAST_WORDS)
    gone(service)

    with pytest.raises(ServiceDied) as raised:
        service.check_alive()

    died = raised.value
    assert isinstance(died, ServiceFailed)  # what callers of the stack already catch
    assert died.heading == "worker died (exit status 3)"
    assert f"its command: {sys.executable} -c " in died.details
    assert "config.toml: no [queue]" in died.details  # the log's tail
    assert str(tmp_path / "worker.log") in died.details
    report = died.report("playing the top-ups")
    assert report.startswith("worker died (exit status 3) while playing the top-ups:\n")
    assert "loading the config\nconfig.toml: no [queue]" in report


@pytest.mark.slow  # a real process
def test_a_process_killed_by_someone_else_says_which_signal(
    services: list[ServiceProcess], tmp_path: Path
) -> None:
    service = start(services, tmp_path, "web", SERVE)
    assert poll_until(lambda: "serving" in service.output(), timeout=30)
    service.check_alive()  # running: nothing to say
    assert service.pid is not None

    os.kill(service.pid, signal.SIGKILL)  # not through the harness: an OOM killer, say
    gone(service)

    with pytest.raises(ServiceDied, match=r"^web died \(killed by SIGKILL\):\n(?s:.*)serving"):
        service.check_alive()


@pytest.mark.slow  # a real process
def test_a_process_stopped_or_killed_on_purpose_is_not_dead_and_counts_again_once_started(
    services: list[ServiceProcess], tmp_path: Path
) -> None:
    service = start(services, tmp_path, "worker", SERVE)
    service.stop()
    service.check_alive()  # stopped on purpose
    service.start()
    service.kill()
    service.check_alive()  # killed on purpose, as the nemesis does before it restarts one

    service.start()
    assert service.meant_to_run
    assert service.pid is not None
    os.kill(service.pid, signal.SIGTERM)
    gone(service)
    with pytest.raises(ServiceDied, match=r"worker died \(killed by SIGTERM\)"):
        service.check_alive()


def test_a_service_never_started_is_not_dead(tmp_path: Path) -> None:
    ServiceProcess("redis", ["redis-server"], {}, tmp_path / "redis.log").check_alive()


def test_how_a_process_ended_reads_as_people_say_it() -> None:
    assert exit_status(0) == "exit status 0"
    assert exit_status(3) == "exit status 3"
    assert exit_status(-9) == "killed by SIGKILL"
    assert exit_status(-11) == "killed by SIGSEGV"
    assert exit_status(None) == "still running"


@pytest.fixture
def stack_on_a_closed_port(tmp_path: Path) -> Iterator[WalletStack]:
    """A stack (not started) whose database URL, password and all, points at a port nobody
    listens on: a database gone for good."""
    url = f"postgresql://wallet:s3cret@127.0.0.1:{free_port()}/wallet_app"
    stack = WalletStack(StackConfig(url, tmp_path / "logs"))
    yield stack
    stack.stop()


def test_a_database_gone_is_named_by_its_url_without_the_password_within_its_grace(
    stack_on_a_closed_port: WalletStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wallet_stack, "DATABASE_GRACE", 1.0)
    started = time.monotonic()

    with pytest.raises(DatabaseUnreachable) as raised:
        stack_on_a_closed_port.check_database()

    assert time.monotonic() - started < 10  # the grace, not a connection's own long wait
    lost = raised.value
    redacted = stack_on_a_closed_port.database_url.replace(":s3cret@", ":***@")
    assert lost.heading == f"the app's database at {redacted} is unreachable"
    assert "s3cret" not in str(lost)
    assert "Connection refused" in lost.details
    # a second look, and another thread's, does not wait a second grace
    again = time.monotonic()
    with pytest.raises(DatabaseUnreachable):
        stack_on_a_closed_port.check_database()
    assert time.monotonic() - again < 0.9


def test_a_query_cut_by_a_database_gone_is_raised_as_the_database_gone(
    stack_on_a_closed_port: WalletStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wallet_stack, "DATABASE_GRACE", 0.5)

    with (
        pytest.raises(DatabaseUnreachable, match="is unreachable"),
        stack_on_a_closed_port.watched(),
    ):
        stack_on_a_closed_port.connect()


def test_an_error_no_broken_part_explains_is_raised_as_it_was(
    stack_on_a_closed_port: WalletStack,
) -> None:
    with (
        pytest.raises(psycopg.ProgrammingError, match="no such thing"),
        stack_on_a_closed_port.watched(),
    ):
        raise psycopg.ProgrammingError("no such thing")
