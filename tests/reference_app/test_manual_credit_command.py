"""The report's "manual terminal credit": python -m reference_app credit."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import psycopg
import pytest

from tests.reference_app.ledger_reads import balance_pence, ledger_row_count, ledger_rows
from tests.reference_app.seed_data import DEMO_ORG_ID

Conn = psycopg.Connection[Any]


def reference_app(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m reference_app ARGS``, run to its end."""
    return subprocess.run(
        [sys.executable, "-m", "reference_app", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def credit(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return reference_app("credit", "--database-url", database_url, *args)


def test_a_manual_credit_goes_through_the_ledger_as_an_adjustment(
    wallet_ledger_db_url: str, conn: Conn
) -> None:
    done = credit(
        wallet_ledger_db_url,
        "--org",
        DEMO_ORG_ID,
        "--amount-pence",
        "5000",
        "--reason",
        "support #1",
    )

    assert done.returncode == 0, done.stderr
    assert f"credited £50.00 to organisation {DEMO_ORG_ID}: balance £50.00" in done.stdout
    [row] = ledger_rows(conn, DEMO_ORG_ID)
    assert (row.type, row.direction, row.amount_pence, row.description) == (
        "adjustment",
        "credit",
        5000,
        "support #1",
    )
    assert balance_pence(conn, DEMO_ORG_ID) == 5000


@pytest.mark.parametrize(
    ("org", "amount", "message"),
    [
        ("00000000-0000-4000-8000-000000000000", "5000", "unknown organisation"),
        ("nope", "5000", "organisation id must be a UUID"),
        (DEMO_ORG_ID, "0", "amount_pence must be a whole number from 1 to 1000000, got 0"),
        (DEMO_ORG_ID, "12.5", "invalid int value: '12.5'"),
        (DEMO_ORG_ID, "99999999", "from 1 to 1000000"),
    ],
)
def test_bad_manual_credits_fail_clearly_and_write_nothing(
    wallet_ledger_db_url: str, conn: Conn, org: str, amount: str, message: str
) -> None:
    done = credit(wallet_ledger_db_url, "--org", org, "--amount-pence", amount, "--reason", "x")

    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert ledger_row_count(conn) == 0


def test_an_amount_is_taken_only_under_its_full_name(wallet_ledger_db_url: str, conn: Conn) -> None:
    # argparse took --amount for --amount-pence: 50, meant as pounds, credited 50 pence
    done = credit(wallet_ledger_db_url, "--org", DEMO_ORG_ID, "--amount", "50", "--reason", "x")

    assert done.returncode == 2
    assert "the following arguments are required: --amount-pence" in done.stderr
    assert ledger_row_count(conn) == 0


def test_the_command_needs_a_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    done = reference_app("seed")
    assert done.returncode == 2
    assert "give --database-url or set DATABASE_URL" in done.stderr


@pytest.mark.parametrize("command", ["migrate", "seed", "credit"])
def test_a_database_url_libpq_cannot_read_is_refused_without_a_traceback(command: str) -> None:
    extra = ["--org", DEMO_ORG_ID, "--amount-pence", "500", "--reason", "x"]
    done = reference_app(
        command, "--database-url", "garbage", *(extra if command == "credit" else [])
    )

    assert done.returncode == 2
    assert "the database URL must be a PostgreSQL URL like postgresql://" in done.stderr
    assert "Traceback" not in done.stderr
