"""The reset between scenarios: back to exactly the seed, never while a job is running."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from psycopg import sql

from harness.polling import poll_until
from harness.profile.loading import default_profile
from harness.stack import reset as stack_reset
from harness.stack.reset import ResetFailed, SeedSnapshot, empty_and_reseed

# the reference app's [database.reset.snapshot]: what it keeps, how it sees work in flight
SETTINGS = default_profile().app.database.reset.snapshot
assert SETTINGS is not None
KEPT_TABLES = frozenset(SETTINGS.keep)
DEMO_ORG = default_profile().app.accounts["test@demo.com"].org_id
OTHER_ORG = default_profile().app.accounts["other@demo.com"].org_id

pytestmark = pytest.mark.slow  # a real PostgreSQL

Conn = psycopg.Connection[Any]


@pytest.fixture
def seeded(conn: Conn) -> tuple[Conn, SeedSnapshot, dict[str, Any]]:
    """The seeded database, its snapshot, and every table's contents as the seed left them."""
    return conn, SeedSnapshot.take(conn, KEPT_TABLES), contents(conn)


def contents(conn: Conn) -> dict[str, Any]:
    names = [
        row[0]
        for row in conn.execute(
            "select tablename from pg_tables where schemaname = 'public' and tablename !~ 'yoyo'"
        ).fetchall()
    ]
    found = {}
    for name in names:
        row = conn.execute(
            sql.SQL("select coalesce(json_agg(t order by t::text), '[]') from {} t").format(
                sql.Identifier(name)
            )
        ).fetchone()
        assert row is not None
        found[name] = row[0]
    return found


def count(conn: Conn, table: str) -> int:
    row = conn.execute(sql.SQL("select count(*) from {}").format(sql.Identifier(table))).fetchone()
    assert row is not None
    return int(row[0])


def credit(conn: Conn, org_id: str, pence: int, session: str) -> int:
    row = conn.execute(
        "select transaction_id from add_wallet_credits(%s, %s, 'topup', %s, %s, 'Top-up')",
        (org_id, pence, f"pi_{session}", session),
    ).fetchone()
    assert row is not None
    return int(row[0])


def add_job(conn: Conn, status: str) -> int:
    row = conn.execute(
        "insert into procrastinate_jobs (queue_name, task_name, args, status)"
        " values ('webhooks', 'process_stripe_event', %s, %s) returning id",
        (json.dumps({"event_id": "evt_1"}), status),
    ).fetchone()
    assert row is not None
    return int(row[0])


def play_a_scenario(conn: Conn) -> None:
    """Write what a scenario writes: money, top-ups, webhook traffic, jobs, even a new org."""
    tx = credit(conn, DEMO_ORG, 5000, "cs_test_a")
    credit(conn, OTHER_ORG, 1200, "cs_test_b")
    conn.execute("select * from deduct_wallet_credits(%s, 300, 'call', 'a call')", (DEMO_ORG,))
    conn.execute(
        "insert into topups (checkout_session_id, org_id, amount_pence, status, fulfilled_by,"
        " credit_transaction_id, credited_at) values ('cs_test_a', %s, 5000, 'credited',"
        " 'webhook', %s, now()), ('cs_test_c', %s, 700, 'created', null, null, null)",
        (DEMO_ORG, tx, OTHER_ORG),
    )
    conn.execute(
        "insert into stripe_event_inbox (event_id, event_type, object_id, payload, status)"
        " values ('evt_1', 'checkout.session.completed', 'cs_test_a', '{}', 'processed')"
    )
    conn.execute("insert into webhook_rejections (reason, event_id) values ('bad signature', 'e')")
    add_job(conn, "succeeded")
    add_job(conn, "todo")
    new_org = conn.execute(
        "insert into organizations (name, email) values ('Scenario Ltd', 's@x.test') returning id"
    ).fetchone()
    assert new_org is not None
    conn.execute(
        "insert into users (org_id, email, password_hash) values (%s, 's@x.test', 'h')",
        (new_org[0],),
    )
    conn.execute("insert into api_tokens (token_sha256, org_id) values ('abc', %s)", (new_org[0],))
    conn.execute("update users set role = 'admin' where email = 'other@demo.com'")
    # what the stack registers at start-up and must keep
    conn.execute(
        "insert into stripe_webhook_endpoints (url, endpoint_id, signing_secret, enabled_events)"
        " values ('http://127.0.0.1:9/api/webhooks/stripe', 'we_1', 'whsec_1',"
        " array['checkout.session.completed'])"
    )
    conn.execute("insert into worker_heartbeats (worker_name) values ('worker-1')")


def test_the_snapshot_holds_the_seed_and_leaves_the_kept_tables_out(
    seeded: tuple[Conn, SeedSnapshot, dict[str, Any]],
) -> None:
    _, snapshot, _ = seeded

    assert set(snapshot.tables).isdisjoint(KEPT_TABLES)
    assert {"organizations", "users", "api_tokens", "credit_transactions", "topups"} <= set(
        snapshot.tables
    )
    assert {"stripe_event_inbox", "webhook_rejections", "procrastinate_jobs"} <= set(
        snapshot.tables
    )
    assert sorted(snapshot.rows) == ["api_tokens", "organizations", "users"]
    assert len(json.loads(snapshot.rows["users"])) == 3


def test_a_reset_puts_back_exactly_the_seed(
    seeded: tuple[Conn, SeedSnapshot, dict[str, Any]],
) -> None:
    conn, snapshot, seed = seeded
    play_a_scenario(conn)
    kept_after_scenario = {
        table: rows for table, rows in contents(conn).items() if table in (KEPT_TABLES)
    }

    empty_and_reseed(conn, snapshot, SETTINGS)

    after = contents(conn)
    for table in snapshot.tables:
        assert after[table] == seed[table], table
    balances = conn.execute("select wallet_balance_pence from organizations").fetchall()
    assert balances == [(0,), (0,)]
    assert count(conn, "users") == 3
    assert count(conn, "api_tokens") == 2
    for table in ("credit_transactions", "topups", "stripe_event_inbox", "webhook_rejections"):
        assert count(conn, table) == 0, table
    assert count(conn, "procrastinate_jobs") == 0
    assert count(conn, "procrastinate_events") == 0
    # the endpoint's signing secret and the worker's heartbeat survive
    assert count(conn, "stripe_webhook_endpoints") == 1
    assert count(conn, "worker_heartbeats") == 1
    for table, rows in kept_after_scenario.items():
        assert after[table] == rows, table


def test_identities_start_again_after_a_reset(
    seeded: tuple[Conn, SeedSnapshot, dict[str, Any]],
) -> None:
    conn, snapshot, _ = seeded
    play_a_scenario(conn)

    empty_and_reseed(conn, snapshot, SETTINGS)

    assert credit(conn, DEMO_ORG, 5000, "cs_test_again") == 1
    assert add_job(conn, "todo") == 1
    row = conn.execute(
        "insert into webhook_rejections (reason) values ('stale signature') returning id"
    ).fetchone()
    assert row == (1,)


def test_the_seed_can_be_reset_twice_in_a_row(
    seeded: tuple[Conn, SeedSnapshot, dict[str, Any]],
) -> None:
    conn, snapshot, seed = seeded

    empty_and_reseed(conn, snapshot, SETTINGS)
    play_a_scenario(conn)
    empty_and_reseed(conn, snapshot, SETTINGS)

    after = contents(conn)
    assert {table: after[table] for table in snapshot.tables} == {
        table: seed[table] for table in snapshot.tables
    }


def test_a_job_still_running_stops_the_reset_with_the_reason(
    seeded: tuple[Conn, SeedSnapshot, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    conn, snapshot, _ = seeded
    play_a_scenario(conn)
    add_job(conn, "doing")
    monkeypatch.setattr(stack_reset, "DRAIN_TIMEOUT", 0.3)

    with pytest.raises(ResetFailed, match=r"1 job\(s\) still running"):
        empty_and_reseed(conn, snapshot, SETTINGS, drain=True)

    # nothing was emptied half-way: the scenario's rows are all still there
    assert count(conn, "credit_transactions") == 3
    assert count(conn, "procrastinate_jobs") == 3


def test_without_a_worker_a_job_marked_running_is_emptied_anyway(
    seeded: tuple[Conn, SeedSnapshot, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    conn, snapshot, seed = seeded
    play_a_scenario(conn)
    add_job(conn, "doing")
    monkeypatch.setattr(stack_reset, "DRAIN_TIMEOUT", 0.3)

    empty_and_reseed(conn, snapshot, SETTINGS, drain=False)

    assert count(conn, "procrastinate_jobs") == 0
    assert contents(conn)["organizations"] == seed["organizations"]


@pytest.fixture
def other_conn(wallet_ledger_db_url: str, conn: Conn) -> Iterator[Conn]:
    """A second session on the same database: the worker's."""
    with psycopg.connect(wallet_ledger_db_url, autocommit=True) as connection:
        yield connection


def test_the_reset_waits_for_a_running_job_to_finish(
    seeded: tuple[Conn, SeedSnapshot, dict[str, Any]],
    other_conn: Conn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worker holds the running job's row; the reset must see it running at least once,
    then go on once the worker marks it succeeded (and not empty the queue under it)."""
    conn, snapshot, seed = seeded
    play_a_scenario(conn)
    job = add_job(conn, "doing")
    monkeypatch.setattr(stack_reset, "DRAIN_TIMEOUT", 20.0)  # a bound, not an expected time
    reset_pid = conn.info.backend_pid
    worker_holds_the_job = threading.Event()

    def worker() -> int:
        with other_conn.transaction():
            other_conn.execute("select id from procrastinate_jobs where id = %s for update", (job,))
            worker_holds_the_job.set()
            # the reset queues for its table lock behind the worker's row lock
            assert poll_until(lambda: reset_waits_for_a_lock(other_conn, reset_pid), timeout=20)
        # the reset now counts the job as running; this update waits until that look is over
        done = other_conn.execute(
            "update procrastinate_jobs set status = 'succeeded' where id = %s", (job,)
        )
        return done.rowcount

    with ThreadPoolExecutor(max_workers=1) as pool:
        finished = pool.submit(worker)
        assert worker_holds_the_job.wait(timeout=20)
        empty_and_reseed(conn, snapshot, SETTINGS, drain=True)
        # 1: the job was still in the queue when it finished, so the reset did not empty it early
        assert finished.result(timeout=20) == 1

    assert count(conn, "procrastinate_jobs") == 0
    assert count(conn, "credit_transactions") == 0
    assert contents(conn)["users"] == seed["users"]


def reset_waits_for_a_lock(conn: Conn, pid: int) -> bool:
    row = conn.execute(
        "select wait_event_type from pg_stat_activity where pid = %s", (pid,)
    ).fetchone()
    return row is not None and row[0] == "Lock"
