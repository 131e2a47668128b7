"""A real HTTP server on a loopback port, in a thread, answering JSON: for the tests of the
clients that talk to one (the harness's, the app's clock)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = Callable[[str, str, bytes], Any]  # method, path, body -> the JSON to answer


@contextmanager
def json_server(answer: Answer) -> Iterator[str]:
    """Serve ``answer``'s JSON for every GET and POST; yields the server's ``http://`` URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._reply(answer("GET", self.path, b""))

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            self._reply(answer("POST", self.path, self.rfile.read(length)))

        def _reply(self, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
