"""The transaction floor times the smallest credit on a real server, both sides of it, and
leaves nothing behind: the figure ``simulation_throughput.py`` adds to the HTTP floor."""

from __future__ import annotations

import sys
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from transaction_floor import measure  # noqa: E402


def test_each_round_counts_the_backends_cpu_and_the_clients(wallet_db_url: str) -> None:
    rounds = measure(wallet_db_url, transactions=2000, rounds=2)

    assert len(rounds) == 2
    for round_ in rounds:
        assert round_.server_ms > 0, "the backend's CPU was not read"
        assert round_.client_ms > 0
        assert round_.total_ms == round_.server_ms + round_.client_ms
        assert round_.per_second > 0
    with psycopg.connect(wallet_db_url) as conn:
        left = conn.execute("select to_regclass('bench_floor')").fetchone()
    assert left == (None,), "the scratch table was left behind"
