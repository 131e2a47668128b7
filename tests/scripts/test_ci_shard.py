"""``scripts/ci_shard.py``: N runners share this repository's CI. Every env of tox.ini runs:
those that split on every runner with that runner's ``--shard``, the others whole on exactly
one runner each."""

from __future__ import annotations

import configparser
from collections import Counter
from pathlib import Path

import pytest

from harness.sharding import Shard
from scripts import ci_shard

ROOT = Path(__file__).resolve().parents[2]


def tox_ini() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "tox.ini")
    return parser


def tox_envs() -> list[str]:
    return [env.strip() for env in tox_ini()["tox"]["env_list"].split(",")]


def test_the_plan_names_every_env_of_tox_once() -> None:
    planned = [*ci_shard.SPLIT_ENVS, *ci_shard.WHOLE_ENVS]
    assert sorted(planned) == sorted(tox_envs())
    assert len(set(planned)) == len(planned)


def test_every_env_that_splits_passes_its_arguments_to_each_of_its_commands() -> None:
    for env in ci_shard.SPLIT_ENVS:
        lines = [
            line.strip() for line in tox_ini()[f"testenv:{env}"]["commands"].splitlines() if line
        ]
        assert lines, env
        assert all(line.endswith("{posargs}") for line in lines), (env, lines)


@pytest.mark.parametrize("total", range(1, ci_shard.MAX_RUNNERS + 1))
def test_n_runners_run_every_env_and_every_shard_once(total: int) -> None:
    runs = [ci_shard.commands(Shard(index, total)) for index in range(1, total + 1)]
    whole = Counter(
        env for index in range(1, total + 1) for env in ci_shard.whole_envs_on(Shard(index, total))
    )
    assert whole == Counter(list(ci_shard.WHOLE_ENVS))  # each on one runner
    for index, runner in enumerate(runs, start=1):
        split = runner[-1]
        assert split == [
            "tox",
            "-e",
            ",".join(ci_shard.SPLIT_ENVS),
            "--",
            "--shard",
            f"{index}/{total}",
        ]
        for command in runner[:-1]:  # the whole envs: no shard passed to a run that is whole
            assert "--" not in command


def test_the_whole_envs_spread_over_the_runners_longest_first() -> None:
    assert [ci_shard.whole_envs_on(Shard(index, 1)) for index in (1,)] == [
        ["lint", "simulation", "simulation-express"]
    ]
    assert [ci_shard.whole_envs_on(Shard(index, 2)) for index in (1, 2)] == [
        ["simulation"],
        ["lint", "simulation-express"],
    ]
    assert [ci_shard.whole_envs_on(Shard(index, 4)) for index in (1, 2, 3, 4)] == [
        ["simulation"],
        ["simulation-express"],
        ["lint"],
        [],
    ]


def test_dry_run_prints_the_runners_tox_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert ci_shard.main(["3/4", "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "ci_shard 3/4: tox -e lint",
        "ci_shard 3/4: tox -e tests,features,defect-matrix,features-express,defect-matrix-express"
        " -- --shard 3/4",
    ]


@pytest.mark.parametrize(
    ("argument", "says"),
    [
        ("3", "a shard is written K/N"),
        ("5/4", "the shard K must be from 1 to 4"),
        ("1/9", "at most 8 runners"),
    ],
)
def test_a_bad_shard_is_refused_with_the_reason(
    argument: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        ci_shard.main([argument])
    assert exited.value.code == 2
    assert says in capsys.readouterr().err
