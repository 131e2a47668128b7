"""How fast the Stripe double answers, and how soon a payment's webhook lands.

1. Requests per second for "create a Checkout Session, then retrieve it" through the official
   SDK (httpx client, no retries), sequential and from several threads, and the CPU each side
   spent per request: the fake's (its process) and the SDK client's (this one). Then the same
   requests from as many threads through a plain client (the standard library's, on kept-alive
   connections: the form body and headers the SDK sends, the JSON answer parsed, no
   ``StripeObject`` built). The SDK spends three or four times the fake's CPU on each request,
   so in one client process it, not the fake, sets the pace; the plain client shows what the
   fake itself serves. Issue 16's target: 1,500 requests/s from four threads.
2. Latency from "paid" (the control API's pay call starts) to the receiver's 2xx answer for
   that session's ``checkout.session.completed``: p50 and p95.

The fake runs as its own process (``python -m fake_stripe``), as apps use it; the receiver is a
small uvicorn app in this process. Prints figures; never asserts on time.

    python bench/fake_stripe_throughput.py [--sessions 300] [--threads 4] [--payments 200]
        [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import psutil
import stripe
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from fake_stripe.client import FakeStripeControl
from fake_stripe.server import base_url_of, bind
from harness.polling import poll_until
from harness.ports import free_port
from harness.stack.services import ServiceFailed, ServiceProcess, python_module

answered: dict[str, float] = {}
SECRET: dict[str, str] = {}


async def webhook(request: Request) -> PlainTextResponse:
    body = await request.body()
    event = stripe.Webhook.construct_event(body, request.headers["stripe-signature"], SECRET["s"])
    if event.type == "checkout.session.completed":
        answered[event.data.object.id] = time.perf_counter()
    return PlainTextResponse("ok")


def start_receiver() -> str:
    sock = bind("127.0.0.1", 0)
    app = Starlette(routes=[Route("/hook", webhook, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False))
    threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True).start()
    if not poll_until(lambda: server.started, timeout=10, interval=0.01):
        raise SystemExit("the webhook receiver did not start")
    return base_url_of(sock) + "/hook"


def start_fake(log: Path) -> tuple[ServiceProcess, str]:
    """The fake as its own process, on the harness's one service runner (its output in ``log``)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = python_module("fake_stripe", "--port", str(port), "--log-level", "WARNING")
    fake = ServiceProcess("fake_stripe", command, os.environ, log)

    def answers() -> bool:
        try:
            return httpx.get(base_url + "/_control/health", timeout=1).is_success
        except httpx.TransportError:
            return False

    fake.start()
    try:
        fake.wait_ready(answers, 20, "GET /_control/health")
    except ServiceFailed:
        fake.stop()
        raise
    return fake, base_url


def session_params(amount: int) -> dict[str, object]:
    return {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": amount,
                    "product_data": {"name": "Wallet top-up"},
                },
                "quantity": 1,
            }
        ],
        "success_url": "http://127.0.0.1:9/done?session_id={CHECKOUT_SESSION_ID}",
        "metadata": {"bench": "1"},
    }


def client_for(base_url: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        "sk_test_bench",
        base_addresses={"api": base_url},
        http_client=stripe.HTTPXClient(allow_sync_methods=True),
        max_network_retries=0,
    )


def create_and_retrieve(client: stripe.StripeClient, count: int) -> None:
    for index in range(count):
        session = client.v1.checkout.sessions.create(params=session_params(1000 + index))  # type: ignore[arg-type]
        client.v1.checkout.sessions.retrieve(session.id)


def form_fields(params: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Stripe's form encoding of nested parameters, as its SDKs send them:
    ``line_items[0][price_data][currency]=gbp``."""
    if isinstance(params, dict):
        items: list[tuple[str, Any]] = list(params.items())
    elif isinstance(params, list):
        items = list(enumerate(params))
    else:
        return [(prefix, str(params))]
    fields: list[tuple[str, str]] = []
    for key, value in items:
        fields += form_fields(value, f"{prefix}[{key}]" if prefix else str(key))
    return fields


def form_body(params: Any) -> str:
    """The form body the SDK posts for ``params`` (its brackets left unescaped)."""
    return urlencode(form_fields(params), safe="[]")


def plain_create_and_retrieve(base_url: str, count: int) -> None:
    """The SDK's two requests, the same form body and headers (an idempotency key on the
    creation), through the standard library's HTTP client on one kept-alive connection: a
    client that costs far less than the fake it measures, as a load generator should."""
    address = urlsplit(base_url)
    headers = {
        "Authorization": "Bearer sk_test_bench",
        "Content-Type": "application/x-www-form-urlencoded",
        "Stripe-Version": stripe.api_version,
        "User-Agent": f"Stripe/v1 PythonBindings/{stripe.VERSION}",
    }
    connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port)
    try:
        for index in range(count):
            body = form_body(session_params(1000 + index))
            # a fresh key on each creation, as the SDK sends: the fake keeps it, as Stripe does
            idempotent = {**headers, "Idempotency-Key": str(uuid.uuid4())}
            connection.request("POST", "/v1/checkout/sessions", body, idempotent)
            created = _answer(connection)
            connection.request("GET", f"/v1/checkout/sessions/{created['id']}", headers=headers)
            _answer(connection)
    finally:
        connection.close()


def _answer(connection: http.client.HTTPConnection) -> Any:
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"the fake answered {response.status}: {body[:300]!r}")
    return json.loads(body)


def threaded_rate(
    fake: psutil.Process, threads: int, per_thread: int, run: Callable[[int], None]
) -> tuple[float, float, float]:
    """``run(per_thread)`` on ``threads`` threads at once: requests/s (two a pair), and the
    fake's and this process's CPU milliseconds per request."""
    fake_before, client_before = _cpu(fake), time.process_time()
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda _: run(per_thread), range(threads)))
    took = time.perf_counter() - started
    requests = 2 * per_thread * threads
    return (
        requests / took,
        (_cpu(fake) - fake_before) / requests * 1000,
        (time.process_time() - client_before) / requests * 1000,
    )


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=300, help="create+retrieve pairs")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--payments", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3, help="runs of each threaded measure")
    args = parser.parse_args()

    log = Path(tempfile.mkdtemp(prefix="fake-stripe-bench-")) / "fake.log"
    fake, base_url = start_fake(log)
    try:
        client = client_for(base_url)
        create_and_retrieve(client, 20)  # warm up connections and code paths

        started = time.perf_counter()
        create_and_retrieve(client, args.sessions)
        sequential = time.perf_counter() - started
        print(f"fake_stripe at {base_url}, official stripe SDK {stripe.VERSION} (httpx client)")
        print(
            f"create+retrieve, 1 thread: {args.sessions} pairs in {sequential:.2f} s ="
            f" {args.sessions / sequential:.0f} pairs/s, {2 * args.sessions / sequential:.0f} req/s"
        )

        per_thread = args.sessions // args.threads
        threads = args.threads
        fake_process = psutil.Process(fake.pid)
        plain_create_and_retrieve(base_url, 20)
        for label, run in (
            ("the SDK", lambda n: create_and_retrieve(client_for(base_url), n)),
            ("a plain client", lambda n: plain_create_and_retrieve(base_url, n)),
        ):
            rates = []
            for number in range(1, args.runs + 1):
                rate, fake_ms, client_ms = threaded_rate(fake_process, threads, per_thread, run)
                rates.append(rate)
                print(
                    f"create+retrieve, {args.threads} threads, {label}, run {number}:"
                    f" {rate:.0f} req/s; CPU per request: the fake {fake_ms:.2f} ms (at most"
                    f" {1000 / fake_ms:.0f} req/s on a core of its own), the client"
                    f" {client_ms:.2f} ms"
                )
            print(
                f"create+retrieve, {args.threads} threads, {label}: median"
                f" {statistics.median(rates):.0f} req/s (target 1,500)"
            )

        receiver_url = start_receiver()
        endpoint = client.v1.webhook_endpoints.create(
            params={"url": receiver_url, "enabled_events": ["checkout.session.completed"]}
        )
        SECRET["s"] = endpoint.secret or ""
        control = FakeStripeControl(base_url)
        latencies = []
        for index in range(args.payments):
            session = client.v1.checkout.sessions.create(params=session_params(2000 + index))  # type: ignore[arg-type]
            paid_at = time.perf_counter()
            control.pay(session.id, wait_for_webhook=False)
            control.settle()
            latencies.append((answered[session.id] - paid_at) * 1000)
        print(
            f"paid -> receiver's 2xx for checkout.session.completed ({args.payments} payments):"
            f" p50 {statistics.median(latencies):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms,"
            f" max {max(latencies):.1f} ms"
        )
    finally:
        fake.stop()
        shutil.rmtree(log.parent)


if __name__ == "__main__":
    main()
