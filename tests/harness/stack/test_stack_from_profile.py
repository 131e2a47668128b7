"""The stack built from an app profile the harness has never seen: a tiny app of three real
processes (a web server, a worker that says when it is up, a side service on its own port),
a schema made by its own migrate command, a webhook endpoint the harness registers, and a reset
by SQL. It starts, resets and stops as the profile says; an app that cannot start is reported
with its log, and nothing is left running."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.profile.loading import LoadedProfile, parse_profile
from harness.records.app_records import NotObservable, RecordSourceError
from harness.records.ledger_invariants import check_ledger
from harness.records.profile_queries import ProfileQueryError
from harness.stack.schema import migrate_and_seed
from harness.stack.services import ServiceFailed
from harness.stack.wallet_stack import StackConfig, WalletStack
from tests.harness.profile.screens import SCREEN

pytestmark = pytest.mark.slow  # real processes

SERVE = ["{python}", "-m", "http.server", "{port}", "--bind", "127.0.0.1"]
IDLE = "import threading; print('worker up', flush=True); threading.Event().wait()"
MIGRATE = (
    "import psycopg, sys; psycopg.connect(sys.argv[1], autocommit=True).execute("
    "'create table visits (n int);"
    " create table wallets (org text primary key, pence int not null);"
    " create table entries (n serial, org text, kind text, cents int, before_cents int,"
    " after_cents int, checkout text)')"
)
# the tiny app's ledger is in tables and words of its own; the profile translates
LEDGER = {
    "balances_sql": "select org as org_id, pence as balance_pence from wallets",
    "rows_sql": (
        "select n as id, org as org_id,"
        " case when kind = 'purchase' then 'topup' else kind end as type,"
        " case when cents < 0 then 'debit' else 'credit' end as direction,"
        " abs(cents) as amount_pence, before_cents as balance_before_pence,"
        " after_cents as balance_after_pence, null as stripe_payment_intent_id,"
        " checkout as stripe_checkout_session_id, null as description, null as created"
        " from entries"
    ),
}


def tiny_app(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "name": "a tiny app",
        "env": {"CACHE_URL": "tcp://127.0.0.1:{port:cache}", "WEBHOOK_SECRET": "{webhook_secret}"},
        "processes": {
            "cache": {"command": SERVE, "ready": {"tcp": "{port}"}},
            "web": {"command": SERVE, "ready": {"http": "{public_url}/"}, "stop_grace": 5},
            "worker": {"command": ["{python}", "-c", IDLE], "ready": {"log": "^worker up$"}},
        },
        "database": {
            "migrate": ["{python}", "-c", MIGRATE, "{database_url}"],
            "reset": {"sql": "truncate visits"},
        },
        "stripe": {"registers_endpoint": False, "webhook_path": "/hooks/stripe"},
        "capabilities": {"worker": "worker"},
        "ledger": LEDGER,
        "screen": SCREEN,
    }
    raw.update(changes)
    return raw


def loaded(raw: dict[str, Any], folder: Path) -> LoadedProfile:
    return LoadedProfile(folder / "app.toml", parse_profile(raw))


@pytest.fixture
def stack_for(wallet_db_url: str, tmp_path: Path) -> Iterator[Any]:
    stacks: list[WalletStack] = []

    def _stack(raw: dict[str, Any]) -> WalletStack:
        profile = loaded(raw, tmp_path)
        migrate_and_seed(wallet_db_url, profile)
        stack = WalletStack(StackConfig(wallet_db_url, tmp_path / "logs", profile=profile))
        stacks.append(stack)
        return stack

    yield _stack
    for stack in stacks:
        stack.stop()


def test_the_stack_starts_resets_and_stops_as_the_profile_says(stack_for: Any) -> None:
    stack = stack_for(tiny_app()).start()

    assert all(service.running for service in stack.services.values())
    assert stack.worker_beating  # the worker printed its line
    cache_port = stack.ports["cache"]
    assert stack.web.env["CACHE_URL"] == f"tcp://127.0.0.1:{cache_port}"
    # the app does not register its endpoint: the harness did, and passed the secret in
    [endpoint] = stack.stripe.v1.webhook_endpoints.list().data
    assert endpoint.url == stack.web_url + "/hooks/stripe"
    assert stack.web.env["WEBHOOK_SECRET"].startswith("whsec_")

    with stack.connect() as conn:
        conn.execute("insert into visits values (1), (2)")
    stack.reset()
    with stack.connect() as conn:
        assert conn.execute("select count(*) from visits").fetchone() == (0,)

    processes = list(stack.services.values())
    stack.stop()
    assert not any(service.running for service in processes)


def test_a_process_that_exits_at_start_up_is_reported_with_its_log(stack_for: Any) -> None:
    raw = tiny_app()
    raw["processes"]["web"]["command"] = [
        "{python}",
        "-c",
        "print('no config'); raise SystemExit(3)",
    ]
    stack = stack_for(raw)

    with pytest.raises(
        ServiceFailed, match=r"(?s)web exited during start-up \(code 3\).*no config"
    ):
        stack.start()
    assert not any(service.running for service in stack.services.values())
    assert not stack.fake.running


def test_a_readiness_url_that_never_answers_fails_in_its_timeout(stack_for: Any) -> None:
    raw = tiny_app()
    raw["processes"]["web"]["ready"] = {"http": "http://127.0.0.1:9/", "timeout": 1}
    stack = stack_for(raw)

    with pytest.raises(
        ServiceFailed, match=r"web was not ready within 1 s \(GET http://127\.0\.0\.1:9/ answers\)"
    ):
        stack.start()
    assert not any(service.running for service in stack.services.values())


def test_a_missing_command_is_named(stack_for: Any) -> None:
    raw = tiny_app()
    raw["processes"]["cache"]["command"] = ["no-such-redis-server", "--port", "{port}"]
    stack = stack_for(raw)

    with pytest.raises(ServiceFailed, match=r"cache cannot start: No such file or directory"):
        stack.start()
    assert not stack.fake.running


def test_the_ledger_is_read_through_the_profiles_own_queries(stack_for: Any) -> None:
    stack = stack_for(tiny_app()).start()
    with stack.connect() as conn:
        conn.execute("insert into wallets values ('acme', 4000)")
        conn.execute(
            "insert into entries (org, kind, cents, before_cents, after_cents, checkout) values"
            " ('acme', 'purchase', 5000, 0, 5000, 'cs_1'),"
            " ('acme', 'sms', -1000, 5000, 4000, null)"
        )
        rows = stack.ledger.rows(conn, "acme")
        assert [row.movement for row in rows] == [
            ("topup", "credit", 5000, 0, 5000),
            ("sms", "debit", 1000, 5000, 4000),
        ]
        assert stack.ledger.balance_pence(conn, "acme") == 4000
        assert [row.id for row in stack.ledger.topup_rows(conn, "cs_1")] == [1]
        assert check_ledger(conn, stack.ledger) == []

        conn.execute(  # the same session credited twice, and a row off the chain
            "insert into entries (org, kind, cents, before_cents, after_cents, checkout) values"
            " ('acme', 'purchase', 5000, 3000, 8000, 'cs_1')"
        )
        rules = {violation.rule for violation in check_ledger(conn, stack.ledger)}
    assert rules == {
        "balance chain",  # the new row starts at 3000, the one before ended at 4000
        "one top-up per checkout session",
        "balance = credits - debits",  # the wallet still says 4000
    }


def test_a_ledger_query_without_the_needed_columns_stops_the_start(stack_for: Any) -> None:
    raw = tiny_app()
    raw["ledger"] = {**LEDGER, "rows_sql": "select n as id, org as org_id from entries"}
    stack = stack_for(raw)

    with pytest.raises(ProfileQueryError) as refused:
        stack.start()

    message = str(refused.value)
    assert "ledger.rows_sql returns id, org_id; missing type, direction, amount_pence" in message
    assert not any(service.running for service in stack.services.values())
    assert not stack.fake.running


def test_a_ledger_query_that_does_not_run_is_named_with_the_database_error(
    stack_for: Any,
) -> None:
    raw = tiny_app()
    raw["ledger"] = {**LEDGER, "balances_sql": "select org, pence from wallet"}
    stack = stack_for(raw)

    with pytest.raises(ProfileQueryError, match=r'ledger\.balances_sql does not run: .*"wallet"'):
        stack.start()
    assert not stack.fake.running


def test_an_app_record_query_without_the_needed_columns_stops_the_start(stack_for: Any) -> None:
    raw = tiny_app()
    raw["capabilities"] = {
        **raw["capabilities"],
        "events_sql": "select n as event_id, n::text as event_type from visits",
    }
    stack = stack_for(raw)

    with pytest.raises(ProfileQueryError) as refused:
        stack.start()

    assert (
        "capabilities.events_sql returns event_id, event_type; missing object_id, status,"
        " attempts, last_stage, last_error, received_at"
    ) in str(refused.value)
    assert not stack.fake.running


def test_what_the_profile_gives_no_query_for_is_not_observable(stack_for: Any) -> None:
    stack = stack_for(tiny_app()).start()

    with stack.connect() as conn, pytest.raises(NotObservable) as hidden:
        stack.records.inbox_events(conn, "cs_1")
    assert str(hidden.value) == "not observable: add capabilities.events_sql to the profile"


# -- records the app shows only over HTTP or through a command ----------------------------------

RECORDS_APP = str(Path(__file__).with_name("records_app.py"))
# prints the queue's counts from the app's own database, reached through the placeholders
COUNT_VISITS = (
    "import json, os, psycopg;"
    " n = psycopg.connect(os.environ['DB']).execute('select count(*) from visits').fetchone()[0];"
    " print(json.dumps(dict(waiting=n, failed=0)))"
)
ACCOUNT = {"login": "jo@example.com", "password": "pw", "org_id": "org_1", "api_token": "tok"}


def records_app(tmp_path: Path, **capabilities: Any) -> dict[str, Any]:
    (tmp_path / "topups.json").write_text(
        '{"cs_1": {"status": "credited", "fulfilled_by": "landing", "amount_pence": 5000},'
        ' "cs_2": {"status": "awaiting_payment"}}'
    )
    (tmp_path / "queue.json").write_text('{"waiting": 3, "failed": 1}')
    raw = tiny_app(accounts={"jo@example.com": ACCOUNT})
    raw["processes"]["web"]["command"] = ["{python}", RECORDS_APP, "{port}"]
    raw["capabilities"] = {**raw["capabilities"], **capabilities}
    return raw


def test_which_path_credited_is_read_from_the_apps_url_with_the_accounts_token(
    stack_for: Any, tmp_path: Path
) -> None:
    fulfilment = {"url": "/topups/{session_id}", "account": "jo@example.com"}
    stack = stack_for(records_app(tmp_path, fulfilment=fulfilment)).start()
    records = stack.records

    with stack.connect() as conn:
        credited = records.topup(conn, "cs_1")
        assert records.topup(conn, "cs_unknown") is None  # 404: the app has no record
        paths = records.fulfilment_paths(conn, ["cs_1", "cs_2", "cs_unknown"])

    assert credited is not None
    assert (credited.checkout_session_id, credited.status, credited.fulfilled_by) == (
        "cs_1",
        "credited",
        "landing",
    )
    assert credited.amount_pence == 5000
    assert credited.org_id is None  # left out of the JSON: null
    assert paths == {"cs_1": "landing"}


def test_a_fulfilment_url_answering_without_the_token_is_an_error_naming_the_key(
    stack_for: Any, tmp_path: Path
) -> None:
    stack = stack_for(records_app(tmp_path, fulfilment={"url": "/topups/{session_id}"})).start()

    with stack.connect() as conn, pytest.raises(RecordSourceError) as refused:
        stack.records.topup(conn, "cs_1")

    assert str(refused.value) == (
        "capabilities.fulfilment.url: GET /topups/cs_1 answered 401, not 200 with a JSON object"
    )


@pytest.mark.parametrize(
    "probe",
    [
        {"url": "/queue"},
        {"command": ["{python}", "-c", "import json; print(open('queue.json').read())"]},
    ],
    ids=["url", "command"],
)
def test_the_queue_probe_asks_the_app_by_url_or_command(
    stack_for: Any, tmp_path: Path, probe: dict[str, Any]
) -> None:
    stack = stack_for(records_app(tmp_path, queue_probe=probe)).start()

    with stack.connect() as conn:
        assert stack.records.queue_counts(conn) == (3, 1)
        assert stack.records.unfinished_jobs(conn) == 3


def test_a_queue_probe_command_gets_the_placeholders_and_the_apps_environment(
    stack_for: Any, tmp_path: Path
) -> None:
    raw = records_app(tmp_path, queue_probe={"command": ["{python}", "-c", COUNT_VISITS]})
    raw["processes"]["web"]["env"] = {"DB": "{database_url}"}
    stack = stack_for(raw).start()

    with stack.connect() as conn:
        conn.execute("insert into visits values (1), (2)")
        assert stack.records.queue_counts(conn) == (2, 0)


@pytest.mark.parametrize(
    ("printed", "said"),
    [
        ("not json", "capabilities.queue_probe.command printed no JSON: 'not json'"),
        (
            '{"waiting": 1}',
            "capabilities.queue_probe.command gave {'waiting': 1},"
            ' not {"waiting": <number>, "failed": <number>}',
        ),
    ],
)
def test_a_queue_probe_that_answers_something_else_is_named(
    stack_for: Any, tmp_path: Path, printed: str, said: str
) -> None:
    braces_kept = printed.replace("{", "{{").replace("}", "}}")  # not placeholders
    command = ["{python}", "-c", f"print({braces_kept!r})"]
    stack = stack_for(records_app(tmp_path, queue_probe={"command": command})).start()

    with stack.connect() as conn, pytest.raises(RecordSourceError) as refused:
        stack.records.queue_counts(conn)

    assert str(refused.value) == said


def test_the_apps_clock_url_serves_the_fakes_clock_as_it_advances(stack_for: Any) -> None:
    raw = tiny_app()
    raw["env"]["APP_CLOCK_URL"] = "{clock_url}"
    stack = stack_for(raw).start()
    url = stack.web.env["APP_CLOCK_URL"]

    before = httpx.get(url).json()["now"]
    stack.control.advance(days=3)
    after = httpx.get(url).json()["now"]

    assert url == stack.fake_url + "/_control/clock"
    assert 3 * 86400 <= after - before < 3 * 86400 + 60
