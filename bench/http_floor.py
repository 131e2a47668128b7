"""This machine's floor for one HTTP exchange: the CPU a trivial Starlette app under uvicorn and
one httpx client (keep-alive) spend together per request, each side measured apart.

The other benches quote their cost per top-up against this figure, measured in the same run, so
a ratio means the same on any machine: a top-up makes about ten HTTP exchanges, so ten times
this floor is what its HTTP alone must cost, however good the code around it.

Each of uvicorn's HTTP implementations that installs here is measured: ``h11`` (always),
``httptools``, and ``httptools`` on ``uvloop``. The server runs as its own process (this script
with ``--serve``), its CPU read from the operating system; the client's is this process's.
Prints per-round figures and the medians; never asserts on time.

    python bench/http_floor.py [--requests 3000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import psutil
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from harness.polling import poll_until
from harness.ports import free_port

EXCHANGES_PER_TOPUP = 10  # create, redirect, pay, webhook, landing checks, Stripe reads, ...
WARM_UP = 300


async def hello(request: object) -> PlainTextResponse:
    return PlainTextResponse("ok")


APP = Starlette(routes=[Route("/", hello)])


@dataclass(frozen=True)
class Variant:
    http: str
    loop: str

    @property
    def name(self) -> str:
        return self.http if self.loop == "asyncio" else f"{self.http} + {self.loop}"

    @property
    def installed(self) -> bool:
        needs = [name for name in (self.http, self.loop) if name not in ("h11", "asyncio")]
        return all(importlib.util.find_spec(name) is not None for name in needs)


VARIANTS = (
    Variant("h11", "asyncio"),
    Variant("httptools", "asyncio"),
    Variant("httptools", "uvloop"),
)


@dataclass(frozen=True)
class Round:
    """One round of a floor: the CPU per call (an exchange here, a transaction in
    ``transaction_floor.py``) of the server's side and the client's, and calls per second."""

    server_ms: float
    client_ms: float
    per_second: float  # wall-clock, one client

    @property
    def total_ms(self) -> float:
        return self.server_ms + self.client_ms

    def describe(self, call: str) -> str:
        """``0.468 ms CPU per exchange (server 0.117, client 0.351), 2087 exchanges/s``."""
        return (
            f"{self.total_ms:.3f} ms CPU per {call} (server {self.server_ms:.3f},"
            f" client {self.client_ms:.3f}), {self.per_second:.0f} {call}s/s"
        )

    @classmethod
    def median(cls, rounds: list[Round]) -> Round:
        return cls(
            statistics.median(r.server_ms for r in rounds),
            statistics.median(r.client_ms for r in rounds),
            statistics.median(r.per_second for r in rounds),
        )


def timed(server: psutil.Process, calls: int, call: Callable[[], object]) -> Round:
    """``call`` made ``calls`` times from this process: its CPU per call, and ``server``'s."""
    server_before = _cpu(server)
    client_before = time.process_time()
    started = time.perf_counter()
    for _ in range(calls):
        call()
    wall = time.perf_counter() - started
    client_cpu = time.process_time() - client_before
    server_cpu = _cpu(server) - server_before
    return Round(server_cpu / calls * 1000, client_cpu / calls * 1000, calls / wall)


def serve(port: int, http: str, loop: str) -> None:
    uvicorn.run(APP, host="127.0.0.1", port=port, http=http, loop=loop, log_level="warning")


def measure(variant: Variant, requests: int, rounds: int) -> list[Round]:
    port = free_port()
    command = [sys.executable, __file__, "--serve", str(port), "--http", variant.http]
    server = subprocess.Popen([*command, "--loop", variant.loop])
    url = f"http://127.0.0.1:{port}/"
    try:
        if not poll_until(lambda: _answers(url), timeout=20, interval=0.05):
            raise SystemExit(f"the {variant.name} server did not start")
        process = psutil.Process(server.pid)
        with httpx.Client() as client:
            for _ in range(WARM_UP):
                client.get(url)
            return [_round(client, url, process, requests) for _ in range(rounds)]
    finally:
        server.terminate()
        server.wait(timeout=10)


def _round(client: httpx.Client, url: str, server: psutil.Process, requests: int) -> Round:
    def exchange() -> None:
        if client.get(url).status_code != 200:
            raise SystemExit("the trivial app did not answer 200")

    return timed(server, requests, exchange)


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def floor(requests: int, rounds: int) -> dict[str, Round]:
    """The median round of each variant that installs here, by name."""
    medians: dict[str, Round] = {}
    for variant in VARIANTS:
        if not variant.installed:
            print(f"{variant.name}: not installed here, skipped")
            continue
        measured = measure(variant, requests, rounds)
        for number, round_ in enumerate(measured, 1):
            print(f"{variant.name} round {number}: {round_.describe('exchange')}")
        medians[variant.name] = Round.median(measured)
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="exchanges per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--http", default="h11", help=argparse.SUPPRESS)
    parser.add_argument("--loop", default="asyncio", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve, args.http, args.loop)
        return
    medians = floor(args.requests, args.rounds)
    cores = psutil.cpu_count() or 1
    print(f"\nmedians of {args.rounds} rounds of {args.requests} exchanges, {cores} cores:")
    for name, median in medians.items():
        top_ups = cores * 1000 / (EXCHANGES_PER_TOPUP * median.total_ms)
        print(
            f"  {name:<20} {median.total_ms:.3f} ms CPU per exchange (server"
            f" {median.server_ms:.3f}, client {median.client_ms:.3f}), {median.per_second:.0f}"
            f" exchanges/s on one client; {EXCHANGES_PER_TOPUP} exchanges per top-up:"
            f" at most {top_ups:.0f} top-ups/s on {cores} cores from HTTP alone"
        )
    cheapest = min(medians.values(), key=lambda median: median.total_ms)
    print(f"floor: {cheapest.total_ms:.3f} ms CPU per HTTP exchange")


if __name__ == "__main__":
    main()
