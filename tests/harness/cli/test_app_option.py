"""``--app PROFILE`` on the commands: the named profile is the app of the whole run (the
defects a command accepts are its defects, and the pytest runs it starts inherit it), and a
profile that cannot be used is refused before anything starts, as is a process it does not let
run as several (``simulate --app-processes``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.cli.main import build_parser, main
from harness.cli.options import choose_app
from harness.cli.simulate import parse_app_processes, replay_command
from harness.profile.loading import PROFILE_VARIABLE, default_profile, load_profile
from harness.simulation.plan import PlanError
from tests.harness.profile.screens import SCREEN_TOML

OTHER_APP = (
    """
name = "another wallet app"
[processes.web]
command = ["node", "server.js", "--port", "{port}"]
[database]
migrate = ["npm", "run", "migrate"]
[defects]
names = ["forgets-the-org"]
"""
    + SCREEN_TOML
)


@pytest.fixture(autouse=True)
def own_profile_choice(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``--app`` sets WALLET_APP_PROFILE for the run: put it back after each test."""
    monkeypatch.setenv(PROFILE_VARIABLE, "")  # recorded: undone after the test, whatever is set
    default_profile.cache_clear()
    yield
    default_profile.cache_clear()


def test_the_named_profile_becomes_the_runs_app(tmp_path: Path) -> None:
    (tmp_path / "other.toml").write_text(OTHER_APP)

    choose_app(["run", "--app", str(tmp_path / "other.toml"), "--tags", "ledger"])

    assert Path(default_profile().path) == tmp_path / "other.toml"
    assert default_profile().app.name == "another wallet app"


def test_the_defects_a_command_accepts_are_the_named_apps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "other.toml").write_text(OTHER_APP)

    with pytest.raises(SystemExit) as refused:
        main(["serve", "--app", str(tmp_path / "other.toml"), "--defect", "lost-update"])

    assert refused.value.code == 2
    assert "no defect 'lost-update'; known: forgets-the-org" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["run", "matrix", "serve", "reproduce", "simulate"])
def test_a_profile_that_cannot_be_used_is_refused_before_anything_starts(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken.toml").write_text('name = "x"\n[processes.web]\ncomand = ["node"]\n')

    assert main([command, "--app", str(tmp_path / "broken.toml")]) == 2

    err = capsys.readouterr().err
    assert "broken.toml: the profile cannot be used:" in err
    assert "processes.web.comand: not a key here (known: command," in err
    assert "database: missing (this key is required)" in err


def test_a_profile_named_by_the_environment_that_cannot_be_read_is_named_not_a_defect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "app.toml").write_bytes(b"\xff\xfe")
    monkeypatch.setenv(PROFILE_VARIABLE, str(tmp_path / "app.toml"))

    with pytest.raises(SystemExit) as refused:
        main(["matrix", "--defect", "wrong-secret"])

    assert refused.value.code == 2
    assert "argument --defect: " in (err := capsys.readouterr().err)
    assert "app.toml: not UTF-8 text (byte 0 is 0xff)" in err


def test_simulate_refuses_an_app_without_a_topup_api_before_starting_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "other.toml").write_text(OTHER_APP)

    code = main(["simulate", "--app", str(tmp_path / "other.toml"), "--topups", "5"])

    assert code == 2
    out = capsys.readouterr().out
    assert "the app profile has no capabilities.topup_api" in out
    assert "the stack did not start" not in out  # refused before anything started


def test_simulate_refuses_more_orgs_than_the_profile_can_give(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_api = OTHER_APP.replace(
        "[defects]",
        '[accounts."test@demo.com"]\nlogin = "a"\npassword = "b"\norg_id = "1"\n'
        'api_token = "t"\n[capabilities]\ntopup_api = { path = "/topups" }\n[defects]',
    )
    (tmp_path / "other.toml").write_text(with_api)

    code = main(["simulate", "--app", str(tmp_path / "other.toml"), "--orgs", "3"])

    assert code == 2
    assert "ask for --orgs 1, or add capabilities.create_org_sql" in capsys.readouterr().out


def test_a_simulations_replay_command_names_the_same_app(tmp_path: Path) -> None:
    profile = tmp_path / "my app.toml"
    profile.write_text(OTHER_APP)
    choose_app(["simulate", "--app", str(profile)])
    args = build_parser().parse_args(
        ["simulate", "--app", str(profile), "--seed", "7", "--defect", "forgets-the-org"]
    )

    replay = replay_command(args, only=[3])

    assert replay.startswith(f"wallet-harness simulate --app '{profile}' --seed 7 ")
    assert replay.endswith("--defect forgets-the-org --only 3")
    assert "--app" not in replay_command(build_parser().parse_args(["simulate", "--seed", "7"]))


def test_only_the_processes_a_profile_lets_run_as_several_are_scaled(tmp_path: Path) -> None:
    (tmp_path / "other.toml").write_text(OTHER_APP)
    other = load_profile(tmp_path / "other.toml").app
    reference = default_profile().app

    assert parse_app_processes("web=2, worker=3", reference) == {"web": 2, "worker": 3}
    assert parse_app_processes("", reference) == {}
    with pytest.raises(PlanError, match=r"processes.web does not take \{processes\}"):
        parse_app_processes("web=2", other)
    with pytest.raises(PlanError, match="the app has no process 'redis' \\(it has web, worker\\)"):
        parse_app_processes("redis=2", reference)
    for wrong in ("web=0", "web", "web=two"):
        with pytest.raises(PlanError, match="NAME=N with N at least 1"):
            parse_app_processes(wrong, reference)


def test_simulate_refuses_app_processes_it_cannot_scale_before_starting_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["simulate", "--topups", "5", "--app-processes", "web=2,db=2"])

    assert code == 2
    out = capsys.readouterr().out
    assert "the app has no process 'db'" in out
    assert "the stack did not start" not in out
