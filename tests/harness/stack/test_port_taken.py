"""A port handed to the stack that another process takes first: the stack is not fooled by the
other process's answers, and starts again on other ports."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from harness.ports import free_ports
from harness.stack import wallet_stack
from harness.stack.services import PortTaken
from harness.stack.wallet_stack import StackConfig, WalletStack

pytestmark = pytest.mark.slow  # a whole stack, started more than once


class AnswersEverything(BaseHTTPRequestHandler):
    """Another program on the port: it answers any GET with 200, as an app's login page does."""

    def do_GET(self) -> None:
        body = b"not the wallet app"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def someone_elses_server() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), AnswersEverything)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def hand_out_first(port: int, monkeypatch: pytest.MonkeyPatch, times: int = 1) -> list[int]:
    """The stack's port choices: ``port`` for the web process the first ``times`` times, as
    when another run was handed it too and bound it first. Returns each web port handed out."""
    handed: list[int] = []

    def ports(count: int) -> list[int]:
        chosen = free_ports(count)
        if len(handed) < times:
            chosen[1] = port  # the fake's port comes first, the web process's next
        handed.append(chosen[1])
        return chosen

    monkeypatch.setattr(wallet_stack, "free_ports", ports)
    return handed


def test_a_web_port_another_process_took_is_left_for_another(
    wallet_ledger_db_url: str,
    tmp_path: Path,
    someone_elses_server: int,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    handed = hand_out_first(someone_elses_server, monkeypatch)

    with WalletStack(StackConfig(wallet_ledger_db_url, tmp_path / "logs")) as stack:
        login = httpx.get(f"{stack.web_url}/login")

        assert handed[0] == someone_elses_server
        assert stack.web_url == f"http://127.0.0.1:{handed[-1]}"
        assert handed[-1] != someone_elses_server
        assert login.status_code == 200
        assert "not the wallet app" not in login.text
        stack.check_alive()
    assert f"port {someone_elses_server} answers, but no process of web's listens" in caplog.text
    assert "starting the stack again on other ports" in caplog.text


def test_a_port_taken_at_every_try_fails_the_start_saying_so(
    wallet_ledger_db_url: str,
    tmp_path: Path,
    someone_elses_server: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hand_out_first(someone_elses_server, monkeypatch, times=wallet_stack.PORT_TRIES)
    stack = WalletStack(StackConfig(wallet_ledger_db_url, tmp_path / "logs"))

    with pytest.raises(PortTaken, match="another process holds it"):
        stack.start()
    assert not stack.web.running
