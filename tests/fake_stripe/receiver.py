"""A webhook receiver for tests: a real HTTP server on a free loopback port that verifies each
delivery with the official SDK's ``stripe.Webhook.construct_event`` and records it.

Tests script its answers (``answer_with``) and read what arrived (``received``).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import stripe
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from fake_stripe.server import base_url_of, bind


@dataclass(frozen=True)
class Received:
    event_id: str | None
    event_type: str | None
    object_id: str | None
    verified: bool
    error: str | None
    signature: str
    body: bytes
    status: int  # what the receiver answered
    at: float  # wall clock


@dataclass
class Answer:
    status: int = 200
    delay: float = 0.0  # real seconds before answering (for real timeouts)


class Receiver:
    def __init__(self) -> None:
        self.secret: str | None = None
        self.received: list[Received] = []
        self._answers: deque[Answer] = deque()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0
        sock = bind("127.0.0.1", 0)
        self.url = base_url_of(sock) + "/webhooks/stripe"
        app = Starlette(routes=[Route("/webhooks/stripe", self._handle, methods=["POST"])])
        self._server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False))
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._server.serve(sockets=[sock])), daemon=True
        )
        # no need to wait for it: the socket already listens, so early deliveries queue in its
        # backlog until the server accepts them
        self._thread.start()

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def reset(self, secret: str | None = None) -> None:
        """Forget everything; first wait (up to 10 s) for requests still being answered, so a
        slow answer from the last test cannot land in the next one's records."""
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0, timeout=10)
            self.secret = secret
            self.received.clear()
            self._answers.clear()

    def answer_with(self, *answers: Answer) -> None:
        """The next deliveries get these answers, in order; after them, 200."""
        with self._lock:
            self._answers.extend(answers)

    def of_type(self, event_type: str) -> list[Received]:
        return [r for r in self.received if r.event_type == event_type]

    async def _handle(self, request: Request) -> PlainTextResponse:
        body = await request.body()
        signature = request.headers.get("stripe-signature", "")
        with self._lock:
            self._in_flight += 1
            answer = self._answers.popleft() if self._answers else Answer()
            secret = self.secret
        try:
            return await self._answer(body, signature, answer, secret)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    async def _answer(
        self, body: bytes, signature: str, answer: Answer, secret: str | None
    ) -> PlainTextResponse:
        event: Any = None
        error = None
        try:
            event = stripe.Webhook.construct_event(body, signature, secret or "", tolerance=300)
        except (stripe.SignatureVerificationError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        status = answer.status if error is None else 400
        if answer.delay:
            await asyncio.sleep(answer.delay)
        record = Received(
            event_id=event.id if event is not None else None,
            event_type=event.type if event is not None else None,
            object_id=event.data.object.id if event is not None else None,
            verified=error is None,
            error=error,
            signature=signature,
            body=body,
            status=status,
            at=time.time(),
        )
        with self._lock:
            self.received.append(record)
        return PlainTextResponse("ok" if status < 300 else "no", status_code=status)
