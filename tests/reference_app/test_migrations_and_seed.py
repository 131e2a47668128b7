"""The schema comes from the migrations alone, and applying them twice is a no-op."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import psycopg
import pytest
from argon2 import PasswordHasher, extract_parameters

from reference_app.migrate import apply_migrations, yoyo_url
from reference_app.seed import apply_seed
from reference_app.web import auth
from tests.reference_app.seed_data import DEMO_ORG_ID, LOGINS, OTHER_ORG_ID

Conn = psycopg.Connection[Any]

SCHEMA_SNAPSHOT = """
select 'table ' || table_name || '.' || column_name || ' ' || data_type
  from information_schema.columns where table_schema = 'public'
union all
select 'function ' || p.oid::regprocedure::text
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public'
union all
select 'trigger ' || tgname from pg_trigger where not tgisinternal
union all
select 'index ' || indexname from pg_indexes where schemaname = 'public'
order by 1
"""


def schema_snapshot(url: str) -> list[str]:
    with psycopg.connect(url) as connection:
        return [row[0] for row in connection.execute(SCHEMA_SNAPSHOT)]


def test_migrations_build_the_schema_and_a_second_run_is_a_no_op(wallet_db_url: str) -> None:
    applied = apply_migrations(wallet_db_url)
    snapshot = schema_snapshot(wallet_db_url)

    assert applied == [
        "0001_organizations_and_users",
        "0002_credit_transactions",
        "0003_wallet_functions",
        "0004_topups_and_webhook_pipeline",
        "0005_job_queue",
        "0006_reconcile_watermark",
    ]
    assert apply_migrations(wallet_db_url) == []
    assert schema_snapshot(wallet_db_url) == snapshot
    for expected in [
        "table organizations.wallet_balance_pence bigint",
        "table credit_transactions.stripe_checkout_session_id text",
        "function add_wallet_credits(uuid,bigint,text,text,text,text)",
        "function deduct_wallet_credits(uuid,bigint,text,text)",
        "trigger credit_transactions_immutable",
        "index credit_transactions_one_topup_per_session",
        "table reconcile_watermark.swept_from timestamp with time zone",
    ]:
        assert expected in snapshot


def test_the_migrate_command_is_idempotent(wallet_db_url: str) -> None:
    def migrate() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "reference_app", "migrate", "--database-url", wallet_db_url],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )

    assert "applied 6 migration(s)" in migrate().stdout
    assert "schema is up to date; nothing to apply" in migrate().stdout


def test_the_seed_holds_the_reports_organisation_at_zero_and_a_second_one(conn: Conn) -> None:
    orgs = conn.execute(
        "select id::text, email, wallet_balance_pence from organizations order by email"
    ).fetchall()
    assert orgs == [(OTHER_ORG_ID, "other@demo.com", 0), (DEMO_ORG_ID, "test@demo.com", 0)]


def test_the_seed_logins_verify_with_their_documented_passwords(conn: Conn) -> None:
    users = {
        email: (password_hash, org_id, role)
        for email, password_hash, org_id, role in conn.execute(
            "select email, password_hash, org_id::text, role from users"
        )
    }
    assert set(users) == set(LOGINS)
    hasher = PasswordHasher()
    for email, (password, org_id, role) in LOGINS.items():
        password_hash, actual_org, actual_role = users[email]
        assert hasher.verify(password_hash, password)
        assert (actual_org, actual_role) == (org_id, role)
        # hashed as the app hashes: a login to a seeded account takes as long as one to an
        # email nobody has (its dummy hash), which tells no one which accounts exist
        assert extract_parameters(password_hash) == extract_parameters(auth._DUMMY_HASH)


def test_seeding_twice_changes_nothing(conn: Conn) -> None:
    apply_seed(conn)
    assert conn.execute("select count(*) from organizations").fetchone() == (2,)
    assert conn.execute("select count(*) from users").fetchone() == (3,)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:p@127.0.0.1:5432/db", "postgresql+psycopg://u:p@127.0.0.1:5432/db"),
        ("postgres://u@localhost/db", "postgresql+psycopg://u@localhost/db"),
    ],
)
def test_yoyo_gets_the_psycopg3_driver(url: str, expected: str) -> None:
    assert yoyo_url(url) == expected


def test_a_non_postgres_url_is_refused() -> None:
    with pytest.raises(ValueError, match="not a PostgreSQL URL"):
        yoyo_url("mysql://u@localhost/db")
