"""The serve, fault, clock and reproduce commands' options: durations as people write them,
fault rules built from options, and every user mistake refused with exit 2 and a message (never
a traceback); with no fake running, a message that says to start ``wallet-harness serve``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli.fault import InvalidInput, rule_from
from harness.cli.main import build_parser, main
from harness.cli.serve_state import ServeState, write_state
from harness.durations import describe_seconds, parse_seconds
from harness.ports import free_port

COMPLETED = "checkout.session.completed"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2h", 7200),
        ("30m", 1800),
        ("45s", 45),
        ("3d", 259200),
        ("1h30m", 5400),
        ("1.5h", 5400),
        ("7200", 7200),
        ("7200s", 7200),
        ("0.5", 0.5),
        ("3 hours", 10800),
        (" 2H ", 7200),
    ],
)
def test_durations_as_people_write_them_are_seconds(text: str, seconds: float) -> None:
    assert parse_seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "h", "2x", "-1h", "1h1h", "30m2h", "two hours", "1e3"])
def test_anything_else_is_not_a_duration(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration like 2h, 30m, 45s"):
        parse_seconds(text)


@pytest.mark.parametrize("text", ["0", "0h", "0m0s"])
def test_a_duration_is_more_than_nothing(text: str) -> None:
    with pytest.raises(ValueError, match="more than 0 seconds"):
        parse_seconds(text)


@pytest.mark.parametrize(
    ("seconds", "text"), [(7200, "2h"), (5400, "1h30m"), (90061, "1d1h1m1s"), (0.5, "0.5s")]
)
def test_seconds_are_described_the_short_way(seconds: float, text: str) -> None:
    assert describe_seconds(seconds) == text


def rule(*args: str) -> dict[str, object]:
    return rule_from(build_parser().parse_args(["fault", "add", *args]))


def test_a_failing_endpoint_rule_from_options() -> None:
    assert rule("fail", "--event", COMPLETED, "--times", "3", "--status", "500") == {
        "action": "fail",
        "match": {"event_type": COMPLETED},
        "times": 3,
        "params": {"status": 500},
        "probability": None,
    }


def test_a_delay_takes_a_duration_and_sends_seconds() -> None:
    made = rule("delay", "--event", COMPLETED, "--seconds", "2h")

    assert made["params"] == {"seconds": 7200}
    assert made["times"] == 1  # the default: once


def test_a_probabilistic_rule_without_a_bound() -> None:
    made = rule("drop", "--probability", "0.3", "--times", "unlimited")

    assert (made["match"], made["times"], made["probability"]) == ({}, None, 0.3)


def test_action_names_take_hyphens_and_match_by_object_and_endpoint() -> None:
    made = rule("corrupt-signature", "--object", "cs_test_1", "--endpoint", "we_1")

    assert made["action"] == "corrupt_signature"
    assert made["match"] == {"object_id": "cs_test_1", "endpoint": "we_1"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["drop", "--status", "500"], "drop takes no --status (it is for fail)"),
        (["delay"], "delay needs --seconds, e.g. --seconds 2h"),
        (["reorder"], "reorder needs --after"),
        (["fail", "--seconds", "5m"], "fail takes no --seconds"),
    ],
)
def test_options_the_action_does_not_take_or_needs_are_refused(
    args: list[str], message: str
) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)):
        rule(*args)


def test_a_refused_rule_exits_2_before_looking_for_a_fake(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["fault", "add", "delay", "--fake-url", f"http://127.0.0.1:{free_port()}"])

    assert code == 2
    assert "fault add: delay needs --seconds" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["fault", "add", "explode"], "no fault action 'explode'; choose from drop, fail"),
        (["fault", "add", "fail", "--times", "0"], "a whole number from 1, or unlimited"),
        (["fault", "add", "drop", "--probability", "1.5"], "a number from 0 to 1"),
        (["fault", "add", "delay", "--seconds", "soon"], "not a duration like 2h"),
        (["clock", "advance", "2 fortnights"], "not a duration like 2h"),
        (["clock", "advance"], "the following arguments are required: DURATION"),
        (["clock"], "the following arguments are required: ACTION"),
        (["fault", "list", "--verbose"], "unrecognized arguments: --verbose"),
        (["serve", "--defect", "no-such-defect"], "no defect 'no-such-defect'; known:"),
        (["reproduce", "no-such-defect"], "no defect 'no-such-defect'; known:"),
        (["matrix", "--jobs", "0"], "argument --jobs: at least 1, not 0"),
        (["matrix", "--jobs", "two"], "argument --jobs: a whole number from 1, not 'two'"),
        # each was found only at the first connection: a scenario's failure, or a traceback
        (["serve", "--db-url", "mysql://app:hunter2@db/x"], "--db-url: a PostgreSQL URL starts"),
        (["simulate", "--db-url", "hunter2"], "--db-url: not a PostgreSQL URL"),
        (["run", "--db-url", "postgresql://db:99999/x"], "--db-url: names a port that is not"),
        # options only as spelled in full: argparse took each for the option it begins
        (["serve", "--port", "8000"], "unrecognized arguments: --port 8000 (wallet-harness serve"),
        (["fault", "add", "fail", "--time", "2"], "arguments: --time 2 (wallet-harness fault"),
        (["clock", "show", "--fake", "http://x"], "arguments: --fake http://x (wallet-harness"),
        (["simulate", "--topup", "5"], "unrecognized arguments: --topup 5 (wallet-harness simul"),
        (["reproduce", "--head"], "unrecognized arguments: --head (wallet-harness reproduce --h"),
        # found only once the run was over, as a traceback: the run's report lost with it
        (["simulate", "--report", "."], "argument --report: .: a folder; name a file in it"),
        (["matrix", "--junitxml", "."], "argument --junitxml: .: a folder; name a file in it"),
        (["matrix", "--junitxml", ""], "argument --junitxml: a file to write, not an empty name"),
    ],
)
def test_mistakes_exit_2_with_a_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)

    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "hunter2" not in err  # a password given by mistake is never repeated


def test_an_option_spelled_in_full_is_still_taken_either_way() -> None:
    parser = build_parser()

    assert parser.parse_args(["serve", "--port-file", "a.json"]).port_file == Path("a.json")
    assert parser.parse_args(["serve", "--port-file=b.json"]).port_file == Path("b.json")
    assert parser.parse_args(["fault", "add", "fail", "--times", "2"]).times == 2


def test_no_fake_at_the_url_says_to_start_serve(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"

    code = main(["fault", "list", "--fake-url", url])

    assert code == 1
    err = capsys.readouterr().err
    assert f"no fake_stripe answers at {url}" in err
    assert "start `wallet-harness serve`" in err
    assert "Traceback" not in err


def test_no_state_file_says_to_start_serve(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["clock", "show", "--port-file", str(tmp_path / "serve.json")])

    assert code == 1
    err = capsys.readouterr().err
    assert "no running wallet-harness serve" in err
    assert "start `wallet-harness serve`" in err


def test_a_state_file_left_by_a_dead_serve_is_called_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    state = tmp_path / "serve.json"
    write_state(state, serve_state(gone.pid, f"http://127.0.0.1:{free_port()}"))

    code = main(["fault", "list", "--port-file", str(state)])

    assert code == 1
    assert f"(pid {gone.pid}), which is no longer running" in capsys.readouterr().err


def test_a_second_serve_on_the_same_state_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "serve.json"
    write_state(state, serve_state(os.getppid(), "http://127.0.0.1:1"))  # alive, not us

    code = main(["serve", "--port-file", str(state)])

    assert code == 2
    assert "another wallet-harness serve" in capsys.readouterr().err
    assert state.exists()  # not ours to remove


def serve_state(pid: int, fake_url: str) -> ServeState:
    return ServeState(
        pid=pid,
        fake_url=fake_url,
        control_url=f"{fake_url}/_control",
        web_url="http://127.0.0.1:2",
        dashboard_url="http://127.0.0.1:2/dashboard/wallet",
        database_url="postgresql://postgres@127.0.0.1:3/wallet",
    )
