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
from typing import Any

import psutil
import psycopg
from http_floor import Round, timed

from harness.postgres.server import fresh_database, postgres_server

TRANSACTIONS_PER_TOPUP = 10  # the count: the credit, the records, the queue, ...
WARM_UP = 300


def measure(database_url: str, transactions: int, rounds: int) -> list[Round]:
    """``rounds`` rounds of ``transactions`` one-row updates on one connection."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("create table bench_floor (id integer primary key, pence bigint not null)")
        try:
            conn.execute("insert into bench_floor values (1, 0)")
            backend = psutil.Process(conn.info.backend_pid)
            for _ in range(WARM_UP):
                _credit(conn)
            return [timed(backend, transactions, lambda: _credit(conn)) for _ in range(rounds)]
        finally:
            conn.execute("drop table bench_floor")


def _credit(conn: psycopg.Connection[Any]) -> None:
    conn.execute("update bench_floor set pence = pence + %s where id = %s", (1, 1), prepare=True)


def floor(database_url: str, transactions: int, rounds: int) -> Round:
    """The median round, each round printed."""
    measured = measure(database_url, transactions, rounds)
    for number, round_ in enumerate(measured, 1):
        print(f"transaction round {number}: {round_.describe('transaction')}")
    return Round.median(measured)


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
