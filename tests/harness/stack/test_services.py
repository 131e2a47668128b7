"""A service process: started with its output in a log, awaited, stopped or killed."""

from __future__ import annotations

import os
import signal
import socket
import textwrap
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from harness.pids import process_alive
from harness.polling import poll_until
from harness.ports import free_port
from harness.stack.app import accepts
from harness.stack.services import ServiceFailed, ServiceProcess, log_tail, python_module

SERVICE = textwrap.dedent(
    """
    import os, signal, subprocess, sys
    from pathlib import Path

    mode, marker = sys.argv[1], Path(sys.argv[2])
    print(f"starting in mode {mode}", flush=True)
    if mode == "exit":
        print("no port given: cannot listen", flush=True)
        sys.exit(3)
    if mode == "ignore-term":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if mode == "with-child":
        child = subprocess.Popen([sys.executable, "-c", "import signal; signal.pause()"])
        Path(sys.argv[3]).write_text(str(child.pid))
    if mode == "listen-in-child":  # a child of its group listens on the port given
        listen = (
            "import socket, sys, signal;"
            " s = socket.create_server(('127.0.0.1', int(sys.argv[1]))); signal.pause()"
        )
        subprocess.Popen([sys.executable, "-c", listen, sys.argv[3]])
    if mode == "with-big-child":  # a child whose exit takes a while: 400 MB to give back
        big = "b = bytearray(400 << 20); import signal; signal.pause()"
        child = subprocess.Popen([sys.executable, "-c", big])
        Path(sys.argv[3]).write_text(str(child.pid))
    if mode != "never-ready":
        marker.write_text(str(os.getpid()))
        print("ready", flush=True)
    while True:
        signal.pause()
    """
)

Start = Callable[..., ServiceProcess]


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Start]:
    """Start the tiny service above in a mode; every one started is killed after the test."""
    (tmp_path / "tiny_service.py").write_text(SERVICE)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    started: list[ServiceProcess] = []

    def _start(mode: str, *extra: str, **options: Any) -> ServiceProcess:
        service = ServiceProcess(
            f"tiny-{mode}",
            python_module("tiny_service", mode, str(tmp_path / f"{mode}.ready"), *extra),
            env,
            tmp_path / f"{mode}.log",
            **options,
        )
        started.append(service)
        service.start()
        return service

    yield _start
    for service in started:
        service.kill()


def ready_file(tmp_path: Path, mode: str) -> Callable[[], bool]:
    return (tmp_path / f"{mode}.ready").exists


@pytest.mark.slow  # a real process
def test_wait_ready_returns_once_the_service_answers(start: Start, tmp_path: Path) -> None:
    service = start("serve")

    service.wait_ready(ready_file(tmp_path, "serve"), timeout=30, what="its ready file")

    assert service.running
    assert (tmp_path / "serve.ready").read_text() == str(service.pid)
    assert "-m tiny_service serve" in (tmp_path / "serve.log").read_text().splitlines()[0]


@pytest.mark.slow  # a real process
def test_starting_a_running_service_again_changes_nothing(start: Start, tmp_path: Path) -> None:
    service = start("serve")
    service.wait_ready(ready_file(tmp_path, "serve"), timeout=30, what="its ready file")
    pid = service.pid

    service.start()

    assert service.pid == pid


@pytest.mark.slow  # a real process
def test_a_service_that_exits_at_once_fails_with_its_code_and_log(
    start: Start, tmp_path: Path
) -> None:
    service = start("exit")

    with pytest.raises(ServiceFailed) as raised:
        service.wait_ready(lambda: False, timeout=30, what="its ready file")

    message = str(raised.value)
    assert "tiny-exit exited during start-up (code 3)" in message
    assert "no port given: cannot listen" in message  # the log's tail
    assert service.returncode == 3
    assert not service.running


@pytest.mark.slow  # a real process
def test_a_service_that_never_answers_fails_after_the_timeout(start: Start, tmp_path: Path) -> None:
    service = start("never-ready")

    with pytest.raises(ServiceFailed) as raised:
        service.wait_ready(
            ready_file(tmp_path, "never-ready"), timeout=1.0, what="GET /healthz answering 200"
        )

    message = str(raised.value)
    assert "tiny-never-ready was not ready within 1 s (GET /healthz answering 200)" in message
    assert "starting in mode never-ready" in message
    assert service.running  # still there: stopping it is the caller's choice


@pytest.mark.slow  # a real process
def test_stop_ends_the_service_with_sigterm(start: Start, tmp_path: Path) -> None:
    service = start("serve")
    service.wait_ready(ready_file(tmp_path, "serve"), timeout=30, what="its ready file")

    service.stop()

    assert service.returncode == -signal.SIGTERM
    assert not service.running
    service.stop()  # a stopped service stops again without complaint


@pytest.mark.slow  # a real process
def test_stop_kills_a_service_that_ignores_sigterm_after_the_grace(
    start: Start, tmp_path: Path
) -> None:
    service = start("ignore-term", stop_grace=0.3)
    service.wait_ready(ready_file(tmp_path, "ignore-term"), timeout=30, what="its ready file")

    service.stop()

    assert service.returncode == -signal.SIGKILL


@pytest.mark.slow  # a real process
def test_kill_kills_the_service_and_its_children(start: Start, tmp_path: Path) -> None:
    child_pid_file = tmp_path / "child.pid"
    service = start("with-child", str(child_pid_file))
    service.wait_ready(ready_file(tmp_path, "with-child"), timeout=30, what="its ready file")
    child = int(child_pid_file.read_text())

    service.kill()

    assert service.returncode == -signal.SIGKILL
    assert not process_alive(child), f"child {child} survived"


@pytest.mark.slow  # real processes
@pytest.mark.parametrize("end", ["stop", "kill"])
def test_no_process_of_the_group_runs_once_stop_or_kill_returns(
    start: Start, tmp_path: Path, end: str
) -> None:
    """A port or a database connection held by a dying child would meet the service's next
    start: when stop and kill return, every process of the group has exited."""
    child_pid_file = tmp_path / "child.pid"
    service = start("with-big-child", str(child_pid_file))
    service.wait_ready(ready_file(tmp_path, "with-big-child"), timeout=30, what="its ready file")
    child = int(child_pid_file.read_text())
    assert poll_until(lambda: rss_megabytes(child) > 300, timeout=30)  # holding its memory

    getattr(service, end)()

    assert not process_alive(child)


def rss_megabytes(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    kilobytes = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))
    return int(kilobytes) / 1024


def test_a_service_never_started_has_no_pid_and_stops_quietly(tmp_path: Path) -> None:
    service = ServiceProcess("idle", python_module("tiny_service"), {}, tmp_path / "idle.log")

    service.stop()
    service.kill()

    assert service.pid is None
    assert service.returncode is None
    assert not service.running


@pytest.mark.slow  # a real process
def test_a_port_another_process_answers_on_is_not_taken_for_the_services_answer(
    start: Start,
) -> None:
    port = free_port()
    with socket.create_server(("127.0.0.1", port)):  # this test's, not the service's
        service = start("never-ready")

        with pytest.raises(ServiceFailed) as raised:
            service.wait_ready(
                partial(accepts, "127.0.0.1", port),
                timeout=1.0,
                what=f"port {port} accepts",
                port=port,
            )

    message = str(raised.value)
    assert f"port {port} answers, but no process of tiny-never-ready's listens there" in message
    assert "another process holds it" in message


@pytest.mark.slow  # real processes
def test_a_service_whose_child_listens_on_the_port_is_ready(start: Start) -> None:
    port = free_port()
    service = start("listen-in-child", str(port))

    service.wait_ready(
        partial(accepts, "127.0.0.1", port), timeout=30, what=f"port {port} accepts", port=port
    )

    assert service.running


def test_free_port_can_be_bound() -> None:
    port = free_port()

    assert 1024 <= port <= 65535
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))


def test_log_tail_of_a_missing_an_empty_and_a_long_log(tmp_path: Path) -> None:
    log = tmp_path / "service.log"
    assert log_tail(log) == "(no log yet)"

    log.write_text("")
    assert log_tail(log) == "(log is empty)"

    log.write_text("".join(f"line {n}\n" for n in range(100)))
    assert log_tail(log, lines=3) == "line 97\nline 98\nline 99"
    assert log_tail(log).splitlines()[0] == "line 60"


def test_a_command_that_does_not_exist_is_named(tmp_path: Path) -> None:
    service = ServiceProcess("web", ["no-such-server", "--port", "1"], {}, tmp_path / "web.log")

    with pytest.raises(ServiceFailed, match=r"web cannot start: No such file or directory: "):
        service.start()
    assert not service.running
