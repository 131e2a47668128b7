"""Latency of the reference app's webhook endpoint under concurrent load.

The app runs on the harness's one stack, as in the tests (``python -m reference_app web``
against its own migrated database and fake_stripe; no worker, so only the endpoint is
measured: verify the signature, store the event in the inbox and queue its job, in one
transaction). Client threads post validly signed, distinct ``checkout.session.completed``
events for a fixed time, signed with the secret the app verifies with
(``STRIPE_WEBHOOK_SECRET``). Prints p50/p95/p99 and throughput per run, then the medians over
runs; never asserts on time.

    python bench/webhook_latency.py [--threads 8] [--seconds 10] [--runs 3]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import itertools
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

from harness.postgres.server import fresh_database, postgres_server
from harness.profile.loading import default_profile
from harness.stack.schema import schema_template
from harness.stack.wallet_stack import StackConfig, WalletStack

SECRET = "whsec_bench_latency"  # noqa: S105 (a throwaway test secret)
ids = itertools.count()
ids_lock = threading.Lock()


def signed_event() -> tuple[bytes, dict[str, str]]:
    with ids_lock:
        number = next(ids)
    body = json.dumps(
        {
            "id": f"evt_bench_{number}",
            "object": "event",
            "type": "checkout.session.completed",
            "created": int(time.time()),
            "data": {"object": {"id": f"cs_test_bench_{number}", "object": "checkout.session"}},
        },
        indent=2,
    ).encode()
    stamp = int(time.time())
    mac = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"stripe-signature": f"t={stamp},v1={mac}", "content-type": "application/json"}


def client_thread(url: str, until: float, latencies: list[float], errors: list[int]) -> None:
    with httpx.Client(timeout=30) as client:
        while time.perf_counter() < until:
            body, headers = signed_event()
            started = time.perf_counter()
            answer = client.post(url, content=body, headers=headers)
            elapsed = time.perf_counter() - started
            if answer.status_code == 200:
                latencies.append(elapsed)
            else:
                errors.append(answer.status_code)


def one_run(url: str, threads: int, seconds: float) -> tuple[float, float, float, float, int]:
    latencies: list[float] = []
    errors: list[int] = []
    until = time.perf_counter() + seconds
    workers = [
        threading.Thread(target=client_thread, args=(url, until, latencies, errors))
        for _ in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    cuts = statistics.quantiles(latencies, n=100)
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000, len(latencies) / seconds, len(errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with (
        postgres_server() as server,
        schema_template(server, default_profile()) as template,
        fresh_database(server, template=template) as database_url,
        tempfile.TemporaryDirectory() as logs,
        WalletStack(
            StackConfig(
                database_url,
                Path(logs),
                worker=False,
                app_env={"STRIPE_WEBHOOK_SECRET": SECRET},
            )
        ) as stack,
    ):
        url = stack.web_url + "/api/webhooks/stripe"
        one_run(url, args.threads, 1.0)  # warm-up: pools, imports, JIT-free but cache-warm
        print(f"webhook endpoint, {args.threads} client threads, {args.seconds:g} s per run")
        results = []
        for run in range(1, args.runs + 1):
            p50, p95, p99, rate, errors = one_run(url, args.threads, args.seconds)
            results.append((p50, p95, p99, rate))
            print(
                f"  run {run}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms,"
                f" {rate:.0f} events/s, {errors} non-200"
            )
        p50s, p95s, p99s, rates = zip(*results, strict=True)
        print(
            f"median over {args.runs} runs: p50 {statistics.median(p50s):.1f} ms,"
            f" p95 {statistics.median(p95s):.1f} ms, p99 {statistics.median(p99s):.1f} ms,"
            f" {statistics.median(rates):.0f} events/s"
        )
        with stack.connect() as conn:
            stored = conn.execute("select count(*) from stripe_event_inbox").fetchone()
        print(f"events stored in the inbox (warm-up included): {stored[0] if stored else 0}")


if __name__ == "__main__":
    main()
