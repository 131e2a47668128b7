"""The statements the app and its queue send PostgreSQL per top-up, counted by the server.

Brings up the stack on a throwaway PostgreSQL restarted with ``pg_stat_statements`` loaded,
plays a simulation (default: 2,000 top-ups, 20 organisations, the default fault mix), and
prints from the server's own count: the statements sent per top-up (each a round trip from a
process of the app), how many of them are transaction control (BEGIN, COMMIT, SAVEPOINT,
RELEASE: a round trip that carries no work), the execution time per top-up, and the
statements that account for most of it. What ``simulation_throughput.py`` reports as
PostgreSQL's CPU is these statements' parsing, planning and execution, plus the protocol around
them. Needs the server's ``pg_stat_statements`` module (PostgreSQL's contrib, in Debian's
server package). Never asserts.

    python bench/statements_per_topup.py [--topups 2000] [--orgs 20] [--top 25]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

import psycopg
from simulation_throughput import add_plan_options, bench_options

from harness.postgres.server import postgres_server
from harness.simulation.simulate import simulate
from harness.stack.pool import StackPool

TRANSACTION_CONTROL = re.compile(r"^\s*(begin|commit|rollback|savepoint|release)\b", re.I)
STATEMENTS = """
select s.calls, s.total_exec_time, s.query
  from pg_stat_statements s join pg_database d on d.oid = s.dbid
 where d.datname <> 'postgres'
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_plan_options(parser, topups=2000, orgs=20)
    parser.add_argument("--top", type=int, default=25, help="statements listed")
    args = parser.parse_args()
    options = bench_options(args)
    with tempfile.TemporaryDirectory() as logs, postgres_server(None) as server:
        if server.restart is None:
            sys.exit("needs a throwaway server of the harness's own, to load pg_stat_statements")
        with psycopg.connect(server.admin_url, autocommit=True) as admin:
            admin.execute("alter system set shared_preload_libraries = 'pg_stat_statements'")
        server.restart()
        with psycopg.connect(server.admin_url, autocommit=True) as admin:
            admin.execute("create extension if not exists pg_stat_statements")
            with StackPool(server, Path(logs)) as pool:
                stack = pool.get(())
                admin.execute("select pg_stat_statements_reset()")
                outcome = simulate(stack, options)
                rows = admin.execute(STATEMENTS).fetchall()
    report(rows, len(outcome.played), args.top)
    print("every invariant holds" if not outcome.violations else "VIOLATIONS")


def report(rows: list[tuple[int, float, str]], topups: int, top: int) -> None:
    calls = sum(row[0] for row in rows)
    control = sum(row[0] for row in rows if TRANSACTION_CONTROL.match(row[2]))
    exec_ms = sum(row[1] for row in rows)
    print(
        f"{topups} top-ups: {calls / topups:.1f} statements per top-up, of which"
        f" {control / topups:.1f} transaction control; execution {exec_ms / topups:.3f} ms per"
        " top-up"
    )
    print(f"  {'per top-up':>10}  {'ms':>6}  statement")
    for count, total_ms, query in sorted(rows, key=lambda row: -row[1])[:top]:
        text = " ".join(query.split())[:110]
        print(f"  {count / topups:10.2f}  {total_ms / topups:6.3f}  {text}")


if __name__ == "__main__":
    main()
