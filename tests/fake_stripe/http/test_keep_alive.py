"""The fake keeps an idle connection open longer than the clients' own idle limits, and says
how long: a client reusing a pooled connection never meets a close the fake made mid-scenario
(stripe-node spends its one retry on such a reset, so a scenario counting retries saw one too
few)."""

from __future__ import annotations

import http.client
import select
from urllib.parse import urlsplit

from fake_stripe.server import KEEP_ALIVE_SECONDS, FakeStripeServer

CLIENTS_IDLE_GAP = 6.0  # real seconds: past uvicorn's, httpx's and Node's 5 s defaults


def test_an_idle_connection_outlives_five_seconds_and_its_limit_is_announced(
    fake_server: FakeStripeServer,
) -> None:
    address = urlsplit(fake_server.base_url)
    conn = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    try:
        conn.request("GET", "/_control/health")
        first = conn.getresponse()
        first.read()
        assert first.status == 200
        assert first.getheader("Keep-Alive") == f"timeout={KEEP_ALIVE_SECONDS}"
        assert conn.sock is not None
        # a close by the fake would make the socket readable (end of stream) within the gap
        readable, _, _ = select.select([conn.sock], [], [], CLIENTS_IDLE_GAP)
        assert readable == [], "the fake closed an idle connection within the clients' idle gap"
        conn.request("GET", "/_control/health")
        second = conn.getresponse()
        second.read()
        assert second.status == 200
    finally:
        conn.close()
