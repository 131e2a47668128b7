"""A tiny web app that shows its records only over HTTP, for the stack's URL record sources:
``GET /topups/<session id>`` answers the top-up written in ``topups.json`` next to it (404 for
one it does not know), only with ``Authorization: Bearer tok``; ``GET /queue`` answers the
counts in ``queue.json``. Run as ``python records_app.py PORT`` in the folder holding them."""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

TOKEN = "tok"


class Records(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/queue":
            self._answer(200, json.loads(Path("queue.json").read_text()))
        elif self.path.startswith("/topups/"):
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._answer(401, {"error": "no token"})
                return
            topups = json.loads(Path("topups.json").read_text())
            found = topups.get(self.path.removeprefix("/topups/"))
            self._answer(200, found) if found else self._answer(404, {"error": "no such top-up"})
        else:
            self._answer(200, {"ok": True})

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", int(sys.argv[1])), Records).serve_forever()
