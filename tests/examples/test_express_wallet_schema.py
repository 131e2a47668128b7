"""The example Express app's database (examples/express-wallet, issue 13): its own migrate
command makes the bug report's schema on an empty database, twice without harm, and its
add_wallet_credits credits a Checkout Session once however often it is called, so the harness's
default ledger queries (the report's names) read it as they are."""

from __future__ import annotations

import os
import subprocess

import psycopg

from harness.profile.model import DEFAULT_BALANCES_SQL
from tests.examples.express import APP, needs_node

ORG = "ad9306a9-4d8a-4685-a667-cbeb7eb01a07"

pytestmark = needs_node


def migrate(database_url: str) -> str:
    done = subprocess.run(
        ["node", "src/migrate.js", "--seed"],
        cwd=APP,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_migrate_command_makes_the_reports_schema_and_seed_twice_alike(
    wallet_db_url: str,
) -> None:
    assert migrate(wallet_db_url).strip() == "migrate: schema and seed in place"
    migrate(wallet_db_url)  # again: nothing doubles

    with psycopg.connect(wallet_db_url) as conn:
        balances = conn.execute(DEFAULT_BALANCES_SQL).fetchall()
        logins = conn.execute("select email from users order by email").fetchall()

    assert sorted(balances) == [("5f0c2b9e-8d4a-4e61-9b7f-2c3d4e5f6a7b", 0), (ORG, 0)]
    assert [email for (email,) in logins] == ["admin@demo.com", "other@demo.com", "test@demo.com"]


def test_a_checkout_session_is_credited_once_and_a_debit_keeps_the_chain(
    wallet_db_url: str,
) -> None:
    migrate(wallet_db_url)
    credit = "select * from add_wallet_credits(%s, 5000, 'topup', 'pi_1', 'cs_test_1')"

    with psycopg.connect(wallet_db_url, autocommit=True) as conn:
        first = conn.execute(credit, (ORG,)).fetchone()
        again = conn.execute(credit, (ORG,)).fetchone()
        debit = conn.execute("select * from deduct_wallet_credits(%s, 4, 'sms')", (ORG,)).fetchone()
        rows = conn.execute(
            "select type, direction, amount_pence, balance_before_pence, balance_after_pence"
            " from credit_transactions order by id"
        ).fetchall()
        balance = conn.execute(
            "select wallet_balance_pence from organizations where id = %s", (ORG,)
        ).fetchone()

    assert first is not None
    assert again is not None
    assert (first[1], first[2]) == (5000, True)
    assert (again[0], again[2]) == (first[0], False)  # the same row, nothing applied
    assert debit is not None
    assert debit[1] == 4996
    assert rows == [("topup", "credit", 5000, 0, 5000), ("sms", "debit", 4, 5000, 4996)]
    assert balance == (4996,)
