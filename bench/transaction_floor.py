"""This machine's floor for one short transaction: the CPU that psycopg (the client) and the
PostgreSQL backend serving it spend together on the smallest write that can credit a wallet, one
statement in its own transaction (autocommit, prepared: one round trip), each side measured apart.

Issue 16 puts a top-up's floor at "roughly ten HTTP exchanges and ten short transactions"
(``http_floor.py`` is the exchanges' half); ``simulation_throughput.py`` measures both in the
same run and reads its CPU per top-up against them. The cheapest transaction is measured, not
one of the app's, so the floor stays a floor. The server is a throwaway cluster as the harness
starts it (``fsync=off``), or the one ``--db-url`` names (a scratch database there, dropped after).
Prints per-round figures and the median; never asserts on time.

    python bench/transaction_floor.py [--transactions 3000] [--rounds 5] [--db-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from typing import Any

import psutil
import psycopg

from harness.postgres.server import fresh_database, postgres_server

TRANSACTIONS_PER_TOPUP = 10  # the count: the credit, the records, the queue, ...
WARM_UP = 300


@dataclass(frozen=True)
class Round:
    server_ms: float  # CPU per transaction
    client_ms: float
    per_second: float  # wall-clock transactions per second, one connection

    @property
    def total_ms(self) -> float:
        return self.server_ms + self.client_ms


def measure(database_url: str, transactions: int, rounds: int) -> list[Round]:
    """``rounds`` rounds of ``transactions`` one-row updates on one connection."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("create table bench_floor (id integer primary key, pence bigint not null)")
        try:
            conn.execute("insert into bench_floor values (1, 0)")
            backend = psutil.Process(conn.info.backend_pid)
            for _ in range(WARM_UP):
                _credit(conn)
            return [_round(conn, backend, transactions) for _ in range(rounds)]
        finally:
            conn.execute("drop table bench_floor")


def _credit(conn: psycopg.Connection[Any]) -> None:
    conn.execute("update bench_floor set pence = pence + %s where id = %s", (1, 1), prepare=True)


def _round(conn: psycopg.Connection[Any], backend: psutil.Process, transactions: int) -> Round:
    server_before = _cpu(backend)
    client_before = time.process_time()
    started = time.perf_counter()
    for _ in range(transactions):
        _credit(conn)
    wall = time.perf_counter() - started
    client_cpu = time.process_time() - client_before
    server_cpu = _cpu(backend) - server_before
    return Round(
        server_cpu / transactions * 1000, client_cpu / transactions * 1000, transactions / wall
    )


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def floor(database_url: str, transactions: int, rounds: int) -> Round:
    """The median round, each round printed."""
    measured = measure(database_url, transactions, rounds)
    for number, round_ in enumerate(measured, 1):
        print(
            f"transaction round {number}: {round_.total_ms:.3f} ms CPU per transaction"
            f" (server {round_.server_ms:.3f}, client {round_.client_ms:.3f}),"
            f" {round_.per_second:.0f} transactions/s"
        )
    return Round(
        statistics.median(r.server_ms for r in measured),
        statistics.median(r.client_ms for r in measured),
        statistics.median(r.per_second for r in measured),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", type=int, default=3000, help="per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db-url", help="a server of yours (default: a throwaway cluster)")
    args = parser.parse_args()
    with postgres_server(args.db_url) as server, fresh_database(server) as url:
        median = floor(url, args.transactions, args.rounds)
    print(
        f"\nfloor: {median.total_ms:.3f} ms CPU per short transaction (server"
        f" {median.server_ms:.3f}, client {median.client_ms:.3f}), median of {args.rounds}"
        f" rounds of {args.transactions}; {TRANSACTIONS_PER_TOPUP} per top-up:"
        f" {TRANSACTIONS_PER_TOPUP * median.total_ms:.2f} ms"
    )


if __name__ == "__main__":
    main()
