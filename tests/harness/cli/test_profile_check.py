"""``wallet-harness profile check``: the reference app's profile passes every check, and a
profile with each kind of mistake fails the check that finds it, with the fix, leaving nothing
running."""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest

from harness.cli.main import main
from harness.postgres.server import PostgresServer
from harness.project import find_project_root

pytestmark = pytest.mark.slow  # each starts the app

REFERENCE = find_project_root() / "reference_app" / "wallet-harness.toml"


def profile_with(tmp_path: Path, old: str, new: str) -> str:
    text = REFERENCE.read_text()
    assert old in text, old
    (tmp_path / "app.toml").write_text(text.replace(old, new, 1))
    return str(tmp_path / "app.toml")


def app_processes() -> list[str]:
    """The app's processes this test process started and has not stopped."""
    found = []
    for process in psutil.Process().children(recursive=True):
        try:
            command = " ".join(process.cmdline())
        except psutil.Error:  # gone meanwhile
            continue
        if "reference_app" in command or "fake_stripe" in command:
            found.append(command)
    return found


def check(
    profile: str, capsys: pytest.CaptureFixture[str], wallet_postgres: PostgresServer
) -> tuple[int, str]:
    code = main(["profile", "check", profile, "--db-url", wallet_postgres.admin_url])
    assert app_processes() == []  # nothing it started is left running
    return code, capsys.readouterr().out


def test_the_reference_apps_profile_passes_every_check(
    capsys: pytest.CaptureFixture[str], wallet_postgres: PostgresServer
) -> None:
    code, out = check(str(REFERENCE), capsys, wallet_postgres)

    assert code == 0, out
    assert "✗" not in out
    for part in (
        "✓ start: migrate and seed ran; web ready, worker ready",
        "✓ login test@demo.com: test@demo.com logs in; the dashboard shows £0.00, as the ledger",
        "✓ webhook endpoint:",
        "✓ webhook delivery: a signed checkout.session.completed was answered 200",
        "✓ reset: every table holds its seeded rows again",
        "✓ capabilities.topup_api: started a top-up: 201",
        "✓ capabilities.queue_probe: 0 waiting, 0 failed",
    ):
        assert part in out


def test_a_login_that_fails_is_named_with_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], wallet_postgres: PostgresServer
) -> None:
    profile = profile_with(tmp_path, 'password = "other-demo-1"', 'password = "wrong"')

    code, out = check(profile, capsys, wallet_postgres)

    assert code == 1
    assert "✗ login other@demo.com:" in out
    assert "fix: check [accounts] (login, password, org_id)" in out
    assert "✓ login test@demo.com" in out  # the others are still checked


def test_a_reset_that_leaves_rows_behind_names_the_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], wallet_postgres: PostgresServer
) -> None:
    profile = profile_with(
        tmp_path,
        "[database.reset.snapshot]",
        '[database.reset]\nsql = "select 1"\n[unused_snapshot]',
    )
    profile_text = Path(profile).read_text()
    # the snapshot's own keys now sit in a table the profile does not know: drop them
    start = profile_text.index("[unused_snapshot]")
    end = profile_text.index("[stripe]")
    Path(profile).write_text(profile_text[:start] + profile_text[end:])

    code, out = check(profile, capsys, wallet_postgres)

    assert code == 1
    assert "✗ reset: AssertionError: after the reset: " in out
    assert "public.stripe_event_inbox 1 rows (seed 0)" in out


def test_a_ledger_query_with_the_wrong_columns_stops_at_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], wallet_postgres: PostgresServer
) -> None:
    profile = profile_with(
        tmp_path,
        "[screen.dashboard]",
        '[ledger]\nbalances_sql = "select id::text as org_id from organizations"\n\n'
        "[screen.dashboard]",
    )

    code, out = check(profile, capsys, wallet_postgres)

    assert code == 1
    assert "✗ start:" in out
    assert "ledger.balances_sql returns org_id; missing balance_pence" in out
    assert "fix: fix that query" in out


def test_a_command_that_does_not_exist_is_found_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], wallet_postgres: PostgresServer
) -> None:
    profile = profile_with(
        tmp_path,
        'command = ["{python}", "-m", "reference_app", "worker"]',
        'command = ["no-such-worker", "--queue", "wallet"]',
    )

    code, out = check(profile, capsys, wallet_postgres)

    assert code == 1
    assert "✗ commands: not found: processes.worker: 'no-such-worker'" in out
    assert "start:" not in out


def test_a_profile_that_cannot_be_read_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], wallet_postgres: PostgresServer
) -> None:
    (tmp_path / "app.toml").write_text('name = "x"\n[processes.web]\ncomand = ["x"]\n')

    code, out = check(str(tmp_path / "app.toml"), capsys, wallet_postgres)

    assert code == 2
    assert "processes.web.comand: not a key here" in out
