"""The harness's HTTP client for the app's own URLs (a queue probe, records a profile reads by
URL): one ``httpx.Client`` per thread, kept with its connections until the stack stops.

``httpx.get`` builds a client for every request, and with it an SSL context: about 20 ms a
request here, where a kept-alive connection answers the same queue probe in under 1 ms (the
Express example's ``GET /health/queue``: 21.8 ms median against 0.81). A wait for a queue kept
outside the database polls that probe until it is empty. A client per thread, as the harness's
waits and blows run on several.
"""

from __future__ import annotations

import threading

import httpx

from harness import http_clients

TIMEOUT_SECONDS = 10.0


class AppHttp:
    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._clients: list[httpx.Client] = []

    def get(
        self, url: str, headers: dict[str, str] | None = None, timeout: float = TIMEOUT_SECONDS
    ) -> httpx.Response:
        return self._client().get(url, headers=headers, timeout=timeout)

    def _client(self) -> httpx.Client:
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is None or client.is_closed:
            client = http_clients.client(timeout=TIMEOUT_SECONDS)
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def close(self) -> None:
        """Close every thread's client; a later request (a stack started again) makes anew."""
        with self._lock:
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()
