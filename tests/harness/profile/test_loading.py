"""Reading an app profile: the reference app's own loads and says what the app is; a minimal one
gets the bug report's names; and every kind of mistake is refused with the key's path and what
the key takes, all mistakes at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.profile.loading import (
    PROFILE_VARIABLE,
    ProfileError,
    default_profile_path,
    load_profile,
    parse_profile,
)
from harness.profile.model import DEFAULT_BALANCES_SQL, DEFAULT_EVENTS
from harness.profile.placeholders import fill
from reference_app.defects import BY_NAME, PRESETS
from tests.harness.profile.screens import SCREEN

REFERENCE = Path(__file__).resolve().parents[3] / "reference_app" / "wallet-harness.toml"


# where an app shows these is its own markup: every profile names them
SCREEN_DASHBOARD = {key: {"test_id": key} for key in ("balance", "rows", "message", "error")}


def minimal(**tables: Any) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "name": "an app",
        "processes": {"web": {"command": ["node", "server.js", "--port", "{port}"]}},
        "database": {"migrate": ["npm", "run", "migrate"]},
        "screen": SCREEN,
    }
    profile.update(tables)
    return profile


def refusal(raw: dict[str, Any]) -> str:
    with pytest.raises(ProfileError) as refused:
        parse_profile(raw, source="app.toml")
    return str(refused.value)


def test_the_reference_apps_profile_declares_its_processes_accounts_and_defects() -> None:
    profile = load_profile(REFERENCE).app

    assert sorted(profile.processes) == ["web", "worker"]
    assert profile.capabilities.worker == "worker"
    assert sorted(profile.accounts) == ["admin@demo.com", "other@demo.com", "test@demo.com"]
    # the defect switches are the app's own catalogue, no more and no less
    assert sorted(profile.defects.names) == sorted(BY_NAME)
    assert {k: sorted(v) for k, v in profile.defects.presets.items()} == {
        k: sorted(v) for k, v in PRESETS.items()
    }


def test_a_minimal_profile_gets_the_bug_reports_names() -> None:
    profile = parse_profile(minimal())

    assert profile.stripe.webhook_path == "/api/webhooks/stripe"
    assert profile.stripe.registers_endpoint is True
    assert profile.stripe.events == DEFAULT_EVENTS
    assert profile.ledger.balances_sql == DEFAULT_BALANCES_SQL
    assert profile.processes["web"].ready.none is True
    assert profile.database.reset.snapshot is not None
    assert profile.capabilities.topup_api is None  # optional: its checks are not applicable


def test_an_unknown_key_is_refused_with_the_keys_the_table_takes() -> None:
    raw = minimal(processes={"web": {"comand": ["node"], "command": ["node"]}})

    message = refusal(raw)

    assert message.startswith("app.toml: the profile cannot be used:\n")
    assert "processes.web.comand: not a key here (known: command, cwd, env," in message


def test_every_mistake_is_named_at_once() -> None:
    raw = minimal(
        processes={"web": {"cwd": "app", "ready": {"http": "/", "log": "up", "timeout": "soon"}}},
        stripe={"registers_endpoint": "maybe"},
    )
    raw["database"] = {}

    message = refusal(raw)

    assert "processes.web.command: missing (this key is required)" in message
    assert "processes.web.ready.timeout: Input should be a valid number" in message
    assert "stripe.registers_endpoint: Input should be a valid boolean" in message
    assert "database: say how the schema is made: migrate (a command) or schema_sql" in message


@pytest.mark.parametrize(
    ("tables", "expected"),
    [
        (
            {"processes": {"web": {"command": ["x"], "ready": {"http": "/", "log": "up"}}}},
            "processes.web.ready: give exactly one of http, log, tcp, none (given: http, log)",
        ),
        (
            {"processes": {"api": {"command": ["x"]}}},
            "processes needs a web process",
        ),
        (
            {"capabilities": {"worker": "jobs"}},
            "capabilities.worker names 'jobs', which is not a process",
        ),
        (
            {"defects": {"names": ["a"], "presets": {"bug": ["a", "b"]}}},
            "defects: preset 'bug' names no defect b",
        ),
        (
            {"screen": {"dashboard": {"balance": {"name": "Balance"}}}},
            "screen.dashboard.balance: give exactly one of role, label, text, test_id, css",
        ),
        (
            {"processes": {"web": {"command": ["x"], "stop_signal": "SIGSTOP"}}},
            "processes.web.stop_signal: Input should be 'SIGTERM', 'SIGINT', 'SIGQUIT' or 'SIGHUP'",
        ),
    ],
)
def test_a_table_that_does_not_hold_together_is_refused(
    tables: dict[str, Any], expected: str
) -> None:
    assert expected in refusal(minimal(**tables))


def test_an_unknown_placeholder_is_refused_when_loading_not_when_starting() -> None:
    raw = minimal(env={"DATABASE_URL": "{db_url}", "REDIS_URL": "redis://127.0.0.1:{port:cache}"})

    message = refusal(raw)

    assert "env.DATABASE_URL: unknown placeholder {db_url} (known: {database_url}," in message
    assert "env.REDIS_URL: unknown placeholder {port:cache}" in message


def test_the_webhook_secret_is_known_only_where_the_harness_registers_the_endpoint() -> None:
    raw = minimal(env={"STRIPE_WEBHOOK_SECRET": "{webhook_secret}"})

    assert "env.STRIPE_WEBHOOK_SECRET: {webhook_secret} is only known where the harness" in (
        refusal(raw)
    )
    raw["stripe"] = {"registers_endpoint": False}
    assert parse_profile(raw).env["STRIPE_WEBHOOK_SECRET"] == "{webhook_secret}"


def test_another_processes_port_may_be_named() -> None:
    raw = minimal(env={"REDIS_URL": "redis://127.0.0.1:{port:cache}"})
    raw["processes"]["cache"] = {
        "command": ["redis-server", "--port", "{port}"],
        "ready": {"tcp": "{port}"},
    }

    assert parse_profile(raw).processes["cache"].ready.tcp == "{port}"


def test_a_file_that_is_not_a_profile_is_named(tmp_path: Path) -> None:
    broken = tmp_path / "app.toml"
    broken.write_text('name = "an app"\n[processes.web\n')

    with pytest.raises(ProfileError, match=r"app\.toml: not TOML: "):
        load_profile(broken)
    with pytest.raises(ProfileError, match=r"missing\.toml: no such profile"):
        load_profile(tmp_path / "missing.toml")
    with pytest.raises(ProfileError, match=f"^{tmp_path}: a folder, not a file$"):
        load_profile(tmp_path)
    broken.write_bytes(b"\xff\xfe")
    with pytest.raises(ProfileError, match=r"app\.toml: not UTF-8 text"):
        load_profile(broken)


def test_placeholders_are_filled_and_doubled_braces_kept() -> None:
    values = {"port": "5123", "database_url": "postgresql://h/db"}

    assert fill("--port={port} {database_url}", values) == "--port=5123 postgresql://h/db"
    assert fill('{{"json": {port}}}', values) == '{"json": 5123}'
    with pytest.raises(KeyError, match=r"no value for \{public_url\}"):
        fill("{public_url}/login", values)


def project_without_a_profile(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout the harness recognises (its scenarios and features), naming no profile."""
    (root / "steps").mkdir()
    (root / "steps" / "test_scenarios.py").write_text("")
    (root / "features").mkdir()
    monkeypatch.delenv(PROFILE_VARIABLE, raising=False)
    monkeypatch.chdir(root)
    return root


def test_a_project_without_pyproject_toml_is_told_how_to_name_a_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_without_a_profile(tmp_path, monkeypatch)
    with pytest.raises(ProfileError, match="no app profile given: pass --app PROFILE"):
        default_profile_path()


def test_a_pyproject_toml_that_is_not_toml_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_without_a_profile(tmp_path, monkeypatch)
    (tmp_path / "pyproject.toml").write_text("[tool.wallet-harness\n")
    with pytest.raises(ProfileError, match=r"pyproject.toml: not TOML"):
        default_profile_path()


def test_the_environment_names_the_profile_before_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_without_a_profile(tmp_path, monkeypatch)
    monkeypatch.setenv(PROFILE_VARIABLE, "/elsewhere/app.toml")
    assert default_profile_path() == Path("/elsewhere/app.toml")
