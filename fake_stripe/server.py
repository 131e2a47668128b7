"""Running the fake: in this process on a free port (for tests), or as a server (the CLI)."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from types import TracebackType

import uvicorn
from starlette.applications import Starlette

from fake_stripe.http.app import create_app
from fake_stripe.service import FakeStripe, Settings

log = logging.getLogger("fake_stripe")
STARTUP_TIMEOUT = 15.0
# How long an idle keep-alive connection stays open. uvicorn's default, 5 s, is the idle gap a
# test often leaves between two Stripe calls, and a client that reuses its pooled connection
# just as the fake closes it sees a reset: stripe-node retries a reset once and counts it, so
# a scenario's one retry on a 500 was spent on the fake's own close. Stripe keeps connections
# far longer; so does the fake, and it says so in a ``Keep-Alive: timeout=`` header, which
# clients that read it (Node's agent with a timeout) use to close theirs first.
KEEP_ALIVE_SECONDS = 120


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
    # and without it every keep-alive response stalls ~40 ms on Nagle + delayed ACK
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def base_url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}"


class FakeStripeServer:
    """``with FakeStripeServer() as fake: ...`` runs the fake in a thread on a free port;
    ``fake.base_url`` is where to point ``stripe.api_base``, ``fake.state`` the live model."""

    def __init__(self, settings: Settings | None = None, host: str = "127.0.0.1", port: int = 0):
        self.settings = settings or Settings()
        self._socket = bind(host, port)
        self.base_url = base_url_of(self._socket)
        self.state = FakeStripe(self.settings, self.base_url)
        self._ready = threading.Event()
        app = create_app(self.state, on_ready=self._ready.set)
        self._server = uvicorn.Server(server_config(app))
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        self._thread = threading.Thread(target=self._run, name="fake-stripe", daemon=True)
        self._thread.start()
        # the socket is bound and listening already: once the app has started, requests are served
        if not self._ready.wait(STARTUP_TIMEOUT) or not self._thread.is_alive():
            raise RuntimeError("fake_stripe did not start; see its log")
        return self.base_url

    def _run(self) -> None:
        asyncio.run(self._server.serve(sockets=[self._socket]))

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=STARTUP_TIMEOUT)
        self._socket.close()

    def __enter__(self) -> FakeStripeServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def server_config(app: Starlette) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        headers=[("Keep-Alive", f"timeout={KEEP_ALIVE_SECONDS}")],
    )


def serve(settings: Settings, host: str, port: int) -> None:
    """Run in the foreground until Ctrl-C or SIGTERM."""
    sock = bind(host, port)
    base_url = base_url_of(sock)
    fake = FakeStripe(settings, base_url)
    log.info(
        "fake_stripe listening on %s (seed %d, retry schedule %s); API %s/v1, control %s/_control",
        base_url,
        settings.seed,
        settings.retry_schedule.name,
        base_url,
        base_url,
    )
    uvicorn.Server(server_config(create_app(fake))).run(sockets=[sock])
