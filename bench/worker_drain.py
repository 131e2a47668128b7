"""How fast the reference app's worker drains a backlog of webhook jobs, and the CPU each job
costs it and PostgreSQL: the part of the simulation's clock phase that one worker process near
a full core bounds (bench/README.md, round 9), measured with nothing else busy.

Per run: the worker stopped; ``--jobs`` top-ups started through the app's API, half paid by
card and half expired on the fake, so the fake delivers one ``checkout.session.completed`` or
``checkout.session.expired`` for each and the web app stores it and queues its job; then the
worker started, and timed from its readiness until its queue is empty. A paid session's job
reads the session from Stripe and credits the wallet; an expired one's marks the top-up. Prints
each run and the medians. Never asserts.

    python bench/worker_drain.py [--jobs 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from simulation_throughput import cpu_by_process

from harness.drivers.wallet_api import WalletApi
from harness.polling import poll_until
from harness.postgres.server import postgres_server
from harness.stack.pool import StackPool
from harness.stack.wallet_stack import WalletStack

ACCOUNT = "test@demo.com"
AMOUNT_PENCE = 5000
DRAIN_TIMEOUT = 300.0
QUEUED = "select count(*) from procrastinate_jobs where status in ('todo', 'doing')"


def backlog(stack: WalletStack, jobs: int) -> None:
    """``jobs`` top-ups started, half paid and half expired, with the worker stopped: each
    leaves one stored event and its queued job."""
    api_shape = stack.profile.app.capabilities.topup_api
    with httpx.Client(base_url=stack.web_url, timeout=30) as http:
        api = WalletApi(stack.web_url, stack.api_token(ACCOUNT), api_shape, http=http)

        def one(number: int) -> None:
            session_id = api.session_id(api.start_top_up(AMOUNT_PENCE))
            if session_id is None:
                raise RuntimeError("the app did not start a top-up")
            if number % 2:
                stack.control.expire(session_id)
            else:
                stack.control.pay(session_id, wait_for_webhook=False)

        with ThreadPoolExecutor(8) as threads:
            list(threads.map(one, range(jobs)))
    stack.control.settle(timeout=120)
    with stack.connect() as conn:
        queued = conn.execute(QUEUED).fetchone()
    if queued is None or queued[0] < jobs:
        raise RuntimeError(f"{queued} jobs queued, not {jobs}: the web app lost deliveries")


def drain(stack: WalletStack) -> tuple[float, float, float]:
    """Seconds from the worker's readiness to an empty queue, and the worker's and PostgreSQL's
    CPU seconds over that time."""
    stack.start_worker()  # ready at its first log line, before it takes a job
    before, started = cpu_by_process(stack), time.perf_counter()
    with stack.connect() as conn:

        def empty() -> bool:
            row = conn.execute(QUEUED).fetchone()
            return row is not None and row[0] == 0

        if not poll_until(empty, timeout=DRAIN_TIMEOUT, interval=0.02):
            raise RuntimeError(f"the worker left jobs queued after {DRAIN_TIMEOUT:.0f} s")
    seconds = time.perf_counter() - started
    after = cpu_by_process(stack)
    return (
        seconds,
        after["worker"] - before["worker"],
        after.get("postgres", 0.0) - before.get("postgres", 0.0),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rates, worker_ms, postgres_ms = [], [], []
    with (
        tempfile.TemporaryDirectory() as logs,
        postgres_server(None) as server,
        StackPool(server, Path(logs)) as pool,
    ):
        stack = pool.get(())
        for run in range(1, args.runs + 1):
            stack.reset()
            stack.stop_worker()
            backlog(stack, args.jobs)
            seconds, worker, postgres = drain(stack)
            rates.append(args.jobs / seconds)
            worker_ms.append(1000 * worker / args.jobs)
            postgres_ms.append(1000 * postgres / args.jobs)
            print(
                f"run {run}: {args.jobs} jobs in {seconds:.2f} s, {rates[-1]:.0f} jobs/s;"
                f" CPU per job: worker {worker_ms[-1]:.2f} ms, PostgreSQL {postgres_ms[-1]:.2f} ms"
            )
    print(
        f"median over {args.runs} runs: {statistics.median(rates):.0f} jobs/s; CPU per job:"
        f" worker {statistics.median(worker_ms):.2f} ms,"
        f" PostgreSQL {statistics.median(postgres_ms):.2f} ms"
    )


if __name__ == "__main__":
    main()
