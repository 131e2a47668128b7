"""The work a top-up does, counted where it is done: HTTP exchanges and PostgreSQL transactions
per top-up of a simulation, and the floor of that work on this machine beside issue 16's.

Issue 16 puts a top-up's floor at "roughly ten HTTP exchanges and ten short transactions". This
counts what a run really makes. Each exchange is counted by the server that answers it, by route:
the app's web process and the fake (its Stripe API, its Checkout page, and the control API the
harness drives it through in place of a customer's browser), through ``request_count/``, which
the bench puts first on the stack's ``PYTHONPATH`` (a ``sitecustomize`` that wraps Starlette's
application call; both are Starlette apps). Transactions are PostgreSQL's own count for the
stack's database (``pg_stat_database``: commits and rollbacks, read once every backend of the
app has exited; the harness's own reads of the ledger are among them). With the floors measured
first (``http_floor.py``, ``transaction_floor.py``), it prints the CPU per top-up against the
floor of the work counted and against the issue's. Never asserts.

    python bench/exchanges_per_topup.py [--topups 2000] [--orgs 20] [--floor-requests 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

import psycopg
from http_floor import EXCHANGES_PER_TOPUP
from simulation_throughput import add_plan_options, bench_options, measure_floors, measured
from transaction_floor import TRANSACTIONS_PER_TOPUP

from harness.polling import poll_until
from harness.postgres.server import postgres_server
from harness.stack.pool import StackPool

COUNTER = Path(__file__).parent / "request_count"
CONTROL = "/_control/"  # the fake's control API: the harness, in place of a browser
QUIET_SECONDS = 1.0  # the counts' files unchanged this long: every count is written
TRANSACTIONS = """
select xact_commit, xact_rollback,
       (select count(*) from pg_stat_activity where datname = %(db)s)
  from pg_stat_database where datname = %(db)s
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_plan_options(parser, topups=2000, orgs=20)
    parser.add_argument("--top", type=int, default=8, help="routes listed per server")
    parser.add_argument(
        "--floor-requests", type=int, default=2000, help="per floor round (0: skip the floors)"
    )
    args = parser.parse_args()
    options = bench_options(args)
    with (
        tempfile.TemporaryDirectory() as logs,
        tempfile.TemporaryDirectory() as counts,
        postgres_server(None) as server,
    ):
        floors = measure_floors(server, args.floor_requests) if args.floor_requests else None
        _count_requests_into(counts)  # the stack started from here on, not the floors
        with StackPool(server, Path(logs)) as pool:
            stack = pool.get(())
            database = psycopg.conninfo.conninfo_to_dict(stack.database_url)["dbname"]
            before = _requests(Path(counts)), _transactions(server.admin_url, database)
            outcome, used = measured(stack, options)
            stack.stop()  # its backends exit, and their counts reach pg_stat_database
            after = (
                _requests(Path(counts)),
                _transactions(server.admin_url, database, settled=True),
            )
    topups = len(outcome.played)
    print(
        f"\n{topups} top-ups, {options.orgs} orgs, concurrency {options.concurrency}:"
        f" {outcome.throughput:.0f} top-ups/s end to end;"
        f" {'every invariant holds' if not outcome.violations else 'VIOLATIONS'}"
    )
    exchanges = report_exchanges(_difference(after[0], before[0]), topups, args.top)
    commits, rollbacks = (a - b for a, b in zip(after[1], before[1], strict=True))
    transactions = (commits + rollbacks) / topups
    print(
        f"PostgreSQL transactions per top-up: {transactions:.2f} (commits {commits / topups:.2f},"
        f" rollbacks {rollbacks / topups:.2f}; pg_stat_database, the harness's reads included)"
    )
    cpu_ms = 1000 * sum(used.values()) / topups
    print(f"CPU per top-up, all processes: {cpu_ms:.1f} ms")
    if floors is not None:
        counted = floors.of(exchanges, transactions)
        print(
            f"  the floor of the work counted: {exchanges:.2f} x {floors.exchange_ms:.3f} +"
            f" {transactions:.2f} x {floors.transaction_ms:.3f} = {counted:.2f} ms: the CPU is"
            f" {cpu_ms / counted:.1f}x it\n"
            f"  the floor as issue 16 counts it ({EXCHANGES_PER_TOPUP} + {TRANSACTIONS_PER_TOPUP}):"
            f" {floors.issue_ms:.2f} ms: the CPU is {cpu_ms / floors.issue_ms:.1f}x it"
        )


def report_exchanges(by_server: dict[str, Counter[str]], topups: int, top: int) -> float:
    """Print each server's exchanges per top-up, by route; the exchanges per top-up in all."""
    total = sum(sum(routes.values()) for routes in by_server.values())
    control = sum(
        count
        for routes in by_server.values()
        for route, count in routes.items()
        if route.split(" ", 1)[1].startswith(CONTROL)
    )
    print(
        f"HTTP exchanges per top-up, each counted by the server that answered it:"
        f" {total / topups:.2f} ({control / topups:.2f} of them the harness's calls to the"
        f" fake's control API, in place of a customer's browser)"
    )
    for server, routes in sorted(by_server.items(), key=lambda item: -sum(item[1].values())):
        print(f"  {server}: {sum(routes.values()) / topups:.2f}")
        for route, count in routes.most_common(top):
            print(f"    {count / topups:6.2f}  {route}")
    return total / topups


def _count_requests_into(directory: str) -> None:
    """What the stack's processes inherit: the counter first on their path, and where to
    write."""
    os.environ["COUNT_REQUESTS_DIR"] = directory
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(COUNTER), path]))


def _requests(directory: Path) -> dict[str, Counter[str]]:
    """Each server's counts so far, by its command (``fake_stripe``, ``reference_app web``),
    once no process has written its counts for a while."""
    poll_until(lambda: _quiet(directory), timeout=30, interval=0.1)
    by_server: dict[str, Counter[str]] = {}
    for dump in directory.glob("*.json"):
        written = json.loads(dump.read_text())
        by_server.setdefault(server_name(written["argv"]), Counter()).update(written["counts"])
    return by_server


def server_name(argv: list[str]) -> str:
    """``fake_stripe`` or ``reference_app web``: the package run and its command, if any."""
    command = [arg for arg in argv[1:2] if not arg.startswith("-")]
    return " ".join([Path(argv[0]).parent.name, *command])


def _quiet(directory: Path) -> bool:
    newest = max((dump.stat().st_mtime for dump in directory.glob("*.json")), default=0.0)
    return time.time() - newest >= QUIET_SECONDS


def _difference(
    after: dict[str, Counter[str]], before: dict[str, Counter[str]]
) -> dict[str, Counter[str]]:
    return {name: routes - before.get(name, Counter()) for name, routes in after.items()}


def _transactions(admin_url: str, database: str, *, settled: bool = False) -> tuple[int, int]:
    """The database's commits and rollbacks so far. ``settled``: once no backend is connected
    to it (the app stopped), as a backend reports its last counts when it exits."""
    with psycopg.connect(admin_url, autocommit=True) as conn:

        def read() -> tuple[int, int, int]:
            conn.execute("select pg_stat_clear_snapshot()")
            row = conn.execute(TRANSACTIONS, {"db": database}).fetchone()
            assert row is not None, f"no statistics for database {database}"
            return row

        row = poll_until(lambda: (r := read())[2] == 0 and r, timeout=30) if settled else read()
        assert row, f"backends still connected to {database} after 30 s"
        return row[0], row[1]


if __name__ == "__main__":
    main()
