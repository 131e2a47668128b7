"""``wallet-harness profile check``: the reference app's profile passes every check, and a
profile with each kind of mistake fails the check that finds it, with the fix, and does not run
the checks that need it. Real processes, a real PostgreSQL and a real Chromium; after each run,
every process the check started is gone and its database is dropped.

The check runs on a thread of its own, as the command runs in a process of its own: an earlier
test in this xdist worker may have started the session's Playwright on the main thread, where
a second sync Playwright refuses to start ("Sync API inside the asyncio loop"), and that
browser's processes are this process's children, so ``left_running`` leaves out what ran
before the test."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import psutil
import pytest

from harness.cli.main import main
from harness.cli.profile_doctor import Doctor
from harness.cli.profile_findings import FAILED, NOT_RUN, OK, Check
from harness.pids import process_alive
from harness.postgres.server import PostgresServer
from harness.profile.loading import PROFILE_VARIABLE, load_profile
from harness.project import find_project_root

pytestmark = pytest.mark.slow  # each starts the app, or part of it

ROOT = find_project_root()
REFERENCE = ROOT / "reference_app" / "wallet-harness.toml"
ENV_TABLE = "[env]  # every process's environment (a process's own env adds to it)\n"
MATRIX = 'matrix = "../features/defect_matrix.toml"'
T = TypeVar("T")
_BEFORE: set[int] = set()  # this process's children when the test started


@pytest.fixture(autouse=True)
def children_before() -> None:
    _BEFORE.clear()
    _BEFORE.update(child.pid for child in psutil.Process().children(recursive=True))


def on_own_thread(run: Callable[[], T]) -> T:
    """``run()`` on a fresh thread (no sync Playwright there); what it returns or raises."""
    with ThreadPoolExecutor(1, thread_name_prefix="profile-check") as thread:
        return thread.submit(run).result()


def profile_with(tmp_path: Path, *changes: tuple[str, str]) -> Path:
    """The reference app's profile with one key changed, in ``tmp_path`` (its processes run
    there, so they import the reference app from this checkout)."""
    text = REFERENCE.read_text()
    fixed = (
        (ENV_TABLE, f'{ENV_TABLE}PYTHONPATH = "{ROOT}"\n'),
        (MATRIX, f'matrix = "{ROOT / "features" / "defect_matrix.toml"}"'),
    )
    for old, new in (*fixed, *changes):
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "app.toml"
    path.write_text(text)
    return path


def left_running() -> list[str]:
    """The app's processes, the fake and the browser, if this test left any."""
    found = []
    for process in psutil.Process().children(recursive=True):
        if process.pid in _BEFORE:
            continue
        try:
            command = " ".join(process.cmdline())
        except psutil.Error:  # gone meanwhile
            continue
        if re.search(r"reference_app|fake_stripe|chrom|playwright", command):
            found.append(command)
    return found


class Checked:
    def __init__(self, doctor: Doctor) -> None:
        self.checks = doctor.checks
        self.text = "\n".join(line for check in doctor.checks for line in check.lines())

    def __getitem__(self, name: str) -> Check:
        [found] = [check for check in self.checks if check.name == name]
        return found


def check(path: Path, wallet_postgres: PostgresServer, tmp_path: Path) -> Checked:
    """Run the doctor on ``path``; afterwards nothing it started runs and its database is gone."""
    doctor = Doctor(load_profile(path), wallet_postgres.admin_url, tmp_path / "logs")
    on_own_thread(doctor.run)
    assert [pid for pid in doctor.pids if process_alive(pid)] == []
    assert left_running() == []
    assert not database_exists(wallet_postgres, doctor)
    return Checked(doctor)


def database_exists(server: PostgresServer, doctor: Doctor) -> bool:
    import psycopg

    name = doctor.database.url.rsplit("/", 1)[-1].split("?")[0]
    if not name:
        return False
    with psycopg.connect(server.admin_url, autocommit=True) as conn:
        row = conn.execute("select count(*) from pg_database where datname = %s", (name,))
        found = row.fetchone()
    return bool(found and found[0])


def test_the_reference_apps_profile_passes_every_check(
    capsys: pytest.CaptureFixture[str],
    wallet_postgres: PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the reference app of this checkout

    code = on_own_thread(
        lambda: main(["profile", "check", str(REFERENCE), "--db-url", wallet_postgres.admin_url])
    )

    out = capsys.readouterr().out
    assert code == 0, out
    assert left_running() == []
    assert "✗" not in out
    assert " not run" not in out
    for line in (
        "✓ commands: the 6 commands, folders and files it names are there",
        "✓ accounts: a login for each person the features name (admin@demo.com,"
        " other@demo.com, test@demo.com)",
        "✓ database: database.migrate on an empty database: 18 tables",
        "✓ queries: ledger.balances_sql, ledger.rows_sql and 5 capabilities queries: each"
        " returns its columns; the seed has 2 organisation(s)",
        "✓ processes: started fake_stripe, web, worker: ready in ",
        "✓ login test@demo.com: test@demo.com at /login in Chromium: logged in, on"
        " /dashboard/wallet",
        "✓ balance other@demo.com: the dashboard shows £0.00, the ledger's balance for"
        " 5f0c2b9e-8d4a-4e61-9b7f-2c3d4e5f6a7b",
        "✓ webhook endpoint: http://127.0.0.1:",
        "/api/webhooks/stripe: registered by the app, subscribed to checkout.session.completed",
        "✓ webhook delivery: a £50.00 top-up as test@demo.com: started with POST"
        " /api/wallet/topups (cs_test_",
        "its signed checkout.session.completed was answered 200",
        "✓ credit: the ledger holds one topup row of £50.00 for ad9306a9",
        "✓ reset: database.reset.snapshot: the checks wrote to ",
        "every table holds its rows from the start (11 compared) and every balance is the"
        " seed's; a top-up after it was answered 2xx and credited",
        "✓ capabilities.worker: worker stopped, started again and was ready",
        "✓ capabilities.queue_probe: 0 waiting, 0 failed",
        "· capabilities.logs: not set: the app's own log files in a failed scenario's artifacts",
        "31 passed, 0 failed, 1 not set",
    ):
        assert line in out


def test_a_missing_command_and_a_missing_login_are_named_before_anything_starts(
    tmp_path: Path, wallet_postgres: PostgresServer
) -> None:
    path = profile_with(
        tmp_path,
        (
            'command = ["{python}", "-m", "reference_app", "worker", "--processes", "{processes}"]',
            'command = ["no-such-worker"]',
        ),
        ('[accounts."other@demo.com"]', '[accounts."someone@else.test"]'),
        (str(ROOT / "features" / "defect_matrix.toml"), "no-such-matrix.toml"),
    )

    checked = check(path, wallet_postgres, tmp_path)

    assert checked["accounts"].detail == "no login for other@demo.com in [accounts]"
    assert checked["accounts"].fix.startswith('add [accounts."other@demo.com"] with the app')

    assert checked["commands"].outcome == FAILED
    assert "✗ commands: not found: processes.worker: 'no-such-worker' is not on PATH" in (
        checked.text
    )
    assert f"defects.matrix: no file {tmp_path / 'no-such-matrix.toml'}" in checked.text
    assert "fix: install what is missing, or give its path" in checked.text
    assert checked["database"].headline == "- database: not run (needs: commands)"
    assert checked["processes"].outcome == NOT_RUN


def test_a_process_that_exits_at_start_up_is_shown_with_its_last_log_lines(
    tmp_path: Path, wallet_postgres: PostgresServer
) -> None:
    exits = "print('worker: no QUEUE_NAME set', flush=True); raise SystemExit(3)"
    path = profile_with(
        tmp_path,
        (
            'command = ["{python}", "-m", "reference_app", "worker", "--processes", "{processes}"]',
            f'command = ["{{python}}", "-c", "{exits}"]',
        ),
    )

    checked = check(path, wallet_postgres, tmp_path)

    assert checked["database"].outcome == OK
    assert checked["queries"].outcome == OK
    processes = checked["processes"]
    assert processes.outcome == FAILED
    assert processes.detail == "worker exited during start-up (code 3):"
    assert "worker: no QUEUE_NAME set" in processes.evidence
    assert "    | worker: no QUEUE_NAME set" in checked.text
    assert "fix: the process stopped by itself: its last lines (above) say why" in checked.text
    assert checked["logins"].headline == "- logins: not run (needs: processes)"


def test_a_readiness_url_that_never_answers_names_what_was_waited_for(
    tmp_path: Path, wallet_postgres: PostgresServer
) -> None:
    path = profile_with(
        tmp_path,
        (
            'ready = { http = "{public_url}/login" }',
            'ready = { http = "http://127.0.0.1:9/health", timeout = 1 }',
        ),
    )

    checked = check(path, wallet_postgres, tmp_path)

    processes = checked["processes"]
    assert processes.outcome == FAILED
    assert processes.detail.startswith(
        "web was not ready within 1 s (GET http://127.0.0.1:9/health answers)"
    )
    assert "check processes.<name>.ready (the URL and its {port}" in processes.fix


def test_a_ledger_query_with_the_wrong_columns_is_named_before_the_app_starts(
    tmp_path: Path, wallet_postgres: PostgresServer
) -> None:
    path = profile_with(
        tmp_path,
        (
            "[screen.dashboard]",
            '[ledger]\nbalances_sql = "select id::text as org_id from organizations"\n\n'
            "[screen.dashboard]",
        ),
    )

    checked = check(path, wallet_postgres, tmp_path)

    queries = checked["queries"]
    assert queries.outcome == FAILED
    assert queries.detail.startswith("ledger.balances_sql returns org_id; missing balance_pence")
    assert "fix: alias the app's columns to the names the harness reads" in checked.text
    assert checked["processes"].headline == "- processes: not run (needs: queries)"


def test_a_wrong_password_and_a_reset_that_deletes_nothing_fail_their_checks_only(
    tmp_path: Path, wallet_postgres: PostgresServer
) -> None:
    text = REFERENCE.read_text()
    snapshot = text[text.index("[database.reset.snapshot]") : text.index("[stripe]")]
    path = profile_with(
        tmp_path,
        ('password = "other-demo-1"', 'password = "not-the-password"'),
        (snapshot, '[database.reset]\nsql = "select 1"  # deletes nothing\n\n'),
    )

    checked = check(path, wallet_postgres, tmp_path)

    login = checked["login other@demo.com"]
    assert login.outcome == FAILED
    assert "not at the dashboard (/dashboard/wallet)" in login.detail
    assert "fix: check accounts.'other@demo.com': login and password" in checked.text
    assert checked["balance other@demo.com"].headline == (
        "- balance other@demo.com: not run (needs: login other@demo.com)"
    )
    assert checked["login test@demo.com"].outcome == OK  # the others are still checked
    assert checked["credit"].outcome == OK  # the top-up the reset must undo
    reset = checked["reset"]
    assert reset.outcome == FAILED
    assert "credit_transactions 1 rows (0 at the start)" in reset.detail
    assert "ad9306a9-4d8a-4685-a667-cbeb7eb01a07 holds 5000 pence (seed 0)" in reset.detail
    assert "fix: database.reset.sql must empty what a scenario adds" in checked.text
    assert checked["capabilities.topup_api"].outcome == OK


def test_ctrl_c_stops_everything_the_check_started(
    tmp_path: Path, wallet_postgres: PostgresServer
) -> None:
    def interrupt_once_started(check: Check) -> None:
        if check.name == "processes":
            raise KeyboardInterrupt

    doctor = Doctor(
        load_profile(profile_with(tmp_path)),
        wallet_postgres.admin_url,
        tmp_path / "logs",
        interrupt_once_started,
    )
    with pytest.raises(KeyboardInterrupt):
        on_own_thread(doctor.run)

    assert doctor.checks[-1].outcome == OK
    assert len(doctor.pids) == 3  # fake_stripe, web, worker
    assert [pid for pid in doctor.pids if process_alive(pid)] == []
    assert left_running() == []
    assert not database_exists(wallet_postgres, doctor)


def test_a_profile_that_cannot_be_read_exits_2_with_every_mistake(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "app.toml").write_text('name = "x"\n[processes.web]\ncomand = ["x"]\n')
    monkeypatch.setenv(PROFILE_VARIABLE, str(tmp_path / "app.toml"))

    code = main(["profile", "check"])  # no PROFILE: the default one

    out = capsys.readouterr().out
    assert code == 2
    assert "✗ profile: " in out
    assert "app.toml: the profile cannot be used:" in out
    assert "processes.web.comand: not a key here" in out
    assert "database: missing (this key is required)" in out
