"""``simulate``'s options: a plan it cannot play, or one too big to make, is refused with exit
2 and the reason, before anything starts."""

from __future__ import annotations

import pytest

from harness.cli.main import main


@pytest.mark.parametrize(("only", "outside"), [("5", "5"), ("-1,2", "-1"), ("9,0,7", "7,9")])
def test_a_replay_of_top_ups_the_plan_does_not_hold_is_refused(
    only: str, outside: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["simulate", "--topups", "5", f"--only={only}"])

    assert code == 2
    out = " ".join(capsys.readouterr().out.split())  # the console folds long lines
    assert f"--only {outside}: not in the plan of 5 top-ups, numbered 0 to 4" in out
    assert "the stack did not start" not in out  # refused before anything started


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        # the plan is made whole first: this one never finished, and filled the memory
        ("--topups", "99999999999999999999", "from 1 to 1,000,000, not 99999999999999999999"),
        ("--topups", "0", "from 1 to 1,000,000, not 0"),
        ("--orgs", "100001", "from 1 to 100,000, not 100001"),
        ("--concurrency", "0", "from 1 to 1,000, not 0"),
        ("--drivers", "65", "from 1 to 64, not 65"),  # processes
        ("--worker-restarts", "-1", "from 0 to 1,000,000, not -1"),  # was taken as 0
        ("--worker-restarts", "10000000000", "from 0 to 1,000,000, not 10000000000"),
    ],
)
def test_a_run_too_big_to_make_or_less_than_one_is_refused(
    option: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["simulate", option, value])

    assert code == 2
    out = " ".join(capsys.readouterr().out.split())
    assert f"wallet-harness simulate: {option} is {message}" in out
    assert "the stack did not start" not in out
