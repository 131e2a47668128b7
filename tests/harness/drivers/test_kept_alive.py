"""``KeptAliveClient``, the players' lean client, against a real HTTP/1.1 server on a loopback
port that counts connections and requests: one connection for many requests, the httpx answers
and errors its callers are written for, a connection the server closed while idle replaced
without an error, and a request never sent twice."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from fake_stripe.client import FakeStripeControl
from harness.drivers.kept_alive import KeptAliveClient
from harness.drivers.wallet_api import WalletApi
from harness.ports import free_ports
from harness.profile.model import TopupApi


@dataclass
class Seen:
    connections: int = 0
    requests: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    hung_up: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


def handler_for(seen: Seen) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # kept alive unless a side says otherwise

        def setup(self) -> None:
            super().setup()
            seen.connections += 1

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            seen.requests.append((self.command, self.path, dict(self.headers), body))
            if self.path.startswith("/hang-up"):  # read the request, answer nothing
                self.close_connection = True
                return
            if self.path.startswith("/slow"):
                seen.release.wait(10)
            if self.path.endswith("/text"):
                self._send(200, b"plain words", "text/plain")
            else:
                echo = {"method": self.command, "path": self.path, "body": body.decode()}
                self._send(201 if self.command == "POST" else 200, json.dumps(echo).encode())
            if self.path.startswith("/answer-then-close"):  # as a keep-alive timeout does
                self.close_connection = True

        def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def finish(self) -> None:
            super().finish()
            if self.close_connection:
                self.connection.close()
                seen.hung_up.set()

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[str, Seen]]:
    seen = Seen()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(seen))
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        seen.release.set()
        httpd.shutdown()
        httpd.server_close()


def test_many_requests_share_one_connection_and_answer_as_httpx_does(
    server: tuple[str, Seen],
) -> None:
    url, seen = server
    with KeptAliveClient(url + "/base") as client:
        posted = client.request("POST", "/things", json={"amount_pence": 5000})
        got = client.request("GET", "/things", params={"limit": 3, "type": ["a", "b"]})
        text = client.get("/text", headers={"Authorization": "Bearer t"})

    assert isinstance(posted, httpx.Response)
    assert posted.status_code == 201
    assert posted.json() == {
        "method": "POST",
        "path": "/base/things",
        "body": '{"amount_pence": 5000}',
    }
    assert got.json()["path"] == "/base/things?limit=3&type=a&type=b"
    assert text.status_code == 200
    assert text.text == "plain words"
    assert str(text.request.url) == url + "/base/text"
    assert seen.connections == 1
    post_headers = {k.lower(): v for k, v in seen.requests[0][2].items()}
    assert post_headers["content-type"] == "application/json"
    assert {k.lower(): v for k, v in seen.requests[2][2].items()}["authorization"] == "Bearer t"


def test_a_connection_the_server_closed_while_idle_is_replaced_without_an_error(
    server: tuple[str, Seen],
) -> None:
    url, seen = server
    with KeptAliveClient(url) as client:
        first = client.get("/answer-then-close")
        assert seen.hung_up.wait(5)  # the server's end of the connection is closed
        second = client.get("/again")

    assert first.status_code == 200
    assert second.status_code == 200
    assert seen.connections == 2
    assert [path for _, path, _, _ in seen.requests] == ["/answer-then-close", "/again"]


def test_a_server_that_hangs_up_mid_request_is_a_transport_error_and_nothing_is_sent_again(
    server: tuple[str, Seen],
) -> None:
    url, seen = server
    with KeptAliveClient(url) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.request("POST", "/hang-up", json={"amount_pence": 5000})
        after = client.get("/after")  # the client goes on, on a new connection

    assert [path for _, path, _, _ in seen.requests] == ["/hang-up", "/after"]
    assert after.status_code == 200


def test_an_answer_slower_than_the_timeout_is_a_read_timeout(server: tuple[str, Seen]) -> None:
    url, _ = server
    with KeptAliveClient(url, timeout=0.2) as client, pytest.raises(httpx.ReadTimeout):
        client.get("/slow")
    assert isinstance(httpx.ReadTimeout("x"), httpx.TransportError)


def test_nobody_listening_is_a_connect_error() -> None:
    (port,) = free_ports(1)
    with socket.socket() as probe:  # the port is free: nothing answers on it
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    with KeptAliveClient(f"http://127.0.0.1:{port}") as client, pytest.raises(httpx.ConnectError):
        client.get("/")


def test_only_plain_http_to_a_host() -> None:
    with pytest.raises(ValueError, match="plain http"):
        KeptAliveClient("https://127.0.0.1:1")


def test_the_clients_it_stands_in_for_take_it(server: tuple[str, Seen]) -> None:
    url, seen = server
    api = WalletApi(
        url,
        "tok",
        TopupApi(path="/api/topups", json_body={"amount_pence": "{amount_pence}"}),
        http=KeptAliveClient(url),
    )
    answer = api.start_top_up(1234)
    with FakeStripeControl(url, http=KeptAliveClient(url + "/_control")) as control:
        assert control.health() == {"method": "GET", "path": "/_control/health", "body": ""}

    assert answer.status_code == 201
    assert json.loads(answer.body["body"]) == {"amount_pence": 1234}
    assert {k.lower(): v for k, v in seen.requests[0][2].items()}["authorization"] == "Bearer tok"
