"""``AppHttp``: the harness's requests to the app keep their connection, one client a thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness.stack.app_http import AppHttp


class _Counting(ThreadingHTTPServer):
    connections = 0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps the connection open between requests

    def setup(self) -> None:
        super().setup()
        assert isinstance(self.server, _Counting)
        self.server.connections += 1

    def do_GET(self) -> None:
        body = b'{"waiting": 0, "failed": 0}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[_Counting]:
    httpd = _Counting(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def url_of(server: _Counting) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}/health/queue"


def test_requests_from_one_thread_share_one_connection(server: _Counting) -> None:
    http = AppHttp()
    try:
        answers = [http.get(url_of(server), {}).json() for _ in range(5)]
    finally:
        http.close()

    assert answers == [{"waiting": 0, "failed": 0}] * 5
    assert server.connections == 1


def test_each_thread_has_its_own_client_and_a_closed_one_is_made_anew(server: _Counting) -> None:
    http = AppHttp()
    other = threading.Thread(target=lambda: http.get(url_of(server), {}))
    http.get(url_of(server), {})
    other.start()
    other.join()
    assert server.connections == 2  # one a thread

    http.close()  # the stack stopped; it may start again
    assert http.get(url_of(server), {}).status_code == 200
    http.close()

    assert server.connections == 3
