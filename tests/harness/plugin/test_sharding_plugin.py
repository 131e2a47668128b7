"""``--shard K/N`` and ``--store-durations`` (harness/plugin/sharding.py) in real inner pytest
sessions: the shards together run every selected test once, by hash or by recorded durations,
under pytest-xdist too."""

from __future__ import annotations

import importlib.util
import json

import pytest

from harness.sharding import split

TESTS = """
import pytest

@pytest.mark.parametrize("n", range(20))
def test_alpha(n):
    pass

@pytest.mark.parametrize("n", range(10))
def test_beta(n):
    pass
"""
ALL = [f"test_many.py::test_alpha[{n}]" for n in range(20)] + [
    f"test_many.py::test_beta[{n}]" for n in range(10)
]
# the inner sessions need no cache, no sweep of dead runs, no pytest-playwright (whose soft
# assertions refuse a session inside a session), and none of the slow plugins they do not use
QUIET = (
    "-p",
    "no:cacheprovider",
    "-p",
    "no:wallet_harness_leftover_sweep",
    "-p",
    "no:playwright",
    "-p",
    "no:hypothesispytest",
    "-p",
    "no:benchmark",
    "-W",
    "ignore::pytest.PytestAssertRewriteWarning",
)
HAS_XDIST = importlib.util.find_spec("xdist") is not None


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_many=TESTS)
    return pytester


def passed(result: pytest.RunResult) -> list[str]:
    reports = result.reprec.getreports("pytest_runtest_logreport")
    return [report.nodeid for report in reports if report.when == "call" and report.passed]


def run_shards(
    suite: pytest.Pytester, *args: str, how: str = "stable hash", selected: int = 30
) -> list[list[str]]:
    """Each of the three shards' passed tests; each run says which shard it was and how split."""
    shards = []
    for k in (1, 2, 3):
        result = suite.runpytest(f"--shard={k}/3", *QUIET, *args)
        assert result.ret == 0, result.stdout.str()
        ran = passed(result)
        result.assert_outcomes(passed=len(ran), deselected=30 - len(ran))
        result.stdout.fnmatch_lines([f"shard {k}/3: {len(ran)} of {selected} tests (by {how})"])
        shards.append(ran)
    return shards


def assert_a_partition(shards: list[list[str]], everything: list[str]) -> None:
    union = [test for shard in shards for test in shard]
    assert sorted(union) == sorted(everything)  # every test, none twice
    assert all(shards), "no shard is empty"


def test_three_shards_run_every_test_once_by_hash(suite: pytest.Pytester) -> None:
    shards = run_shards(suite)

    assert_a_partition(shards, ALL)
    assert [sorted(shard) for shard in shards] == [sorted(shard) for shard in split(ALL, 3)]


def test_recorded_durations_balance_the_shards(suite: pytest.Pytester) -> None:
    durations = {test: 10.0 if test.startswith("test_many.py::test_beta") else 1.0 for test in ALL}
    del durations["test_many.py::test_alpha[0]"]  # counts as the median
    (suite.path / "test-durations.json").write_text(json.dumps(durations))

    shards = run_shards(suite, how="recorded durations")

    assert_a_partition(shards, ALL)
    assert [sorted(shard) for shard in shards] == [
        sorted(shard) for shard in split(ALL, 3, durations)
    ]
    known = {**durations, "test_many.py::test_alpha[0]": 1.0}
    loads = [sum(known[test] for test in shard) for shard in shards]
    assert max(loads) - min(loads) <= 1.0


def test_a_durations_file_named_on_the_command_line(suite: pytest.Pytester) -> None:
    durations = {test: float(index) for index, test in enumerate(ALL)}
    (suite.path / "ci").mkdir()
    (suite.path / "ci" / "times.json").write_text(json.dumps(durations))

    result = suite.runpytest("--shard=3/3", "--shard-durations", "ci/times.json", *QUIET)

    assert sorted(passed(result)) == sorted(split(ALL, 3, durations)[2])
    result.stdout.fnmatch_lines(["shard 3/3: * of 30 tests (by recorded durations)"])


def test_the_shards_split_what_k_left(suite: pytest.Pytester) -> None:
    shards = run_shards(suite, "-k", "beta", selected=10)

    assert_a_partition(shards, ALL[20:])


def test_store_durations_records_every_test_and_keeps_the_rest(suite: pytest.Pytester) -> None:
    path = suite.path / "test-durations.json"
    path.write_text(json.dumps({"test_gone.py::test_old": 7.5}))

    result = suite.runpytest("--store-durations", *QUIET)

    assert result.ret == 0
    held = json.loads(path.read_text())
    assert sorted(held) == sorted([*ALL, "test_gone.py::test_old"])
    assert held["test_gone.py::test_old"] == 7.5
    assert all(isinstance(seconds, float) and seconds >= 0 for seconds in held.values())
    result.stdout.fnmatch_lines(["stored the durations of 30 tests in *test-durations.json"])


@pytest.mark.skipif(not HAS_XDIST, reason="pytest-xdist is not installed")
def test_under_xdist_the_workers_pick_the_same_shard_and_the_controller_stores(
    suite: pytest.Pytester,
) -> None:
    # one run, as worker start-up is slow: if the two workers picked differently, xdist would
    # refuse the run ("Different tests were collected between gw0 and gw1")
    path = suite.path / "test-durations.json"
    path.write_text(json.dumps({"test_gone.py::test_old": 7.5}))  # no collected test: the hash
    expected = split(ALL, 3)[1]

    result = suite.runpytest("--shard=2/3", "--store-durations", "-n", "2", *QUIET)

    assert result.ret == 0, result.stdout.str()
    assert sorted(passed(result)) == sorted(expected)
    result.stdout.fnmatch_lines(
        [f"shard 2/3: {len(expected)} of 30 tests (by stable hash)", "stored the durations of *"]
    )
    assert sorted(json.loads(path.read_text())) == sorted([*expected, "test_gone.py::test_old"])


@pytest.mark.parametrize(
    ("value", "reason"),
    [("0/3", "from 1 to 3, not 0"), ("4/3", "from 1 to 3, not 4"), ("x", "written K/N")],
)
def test_a_bad_shard_is_a_usage_error(suite: pytest.Pytester, value: str, reason: str) -> None:
    result = suite.runpytest(f"--shard={value}", *QUIET)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--shard {value}: *{reason}*"])


def test_a_broken_durations_file_is_a_usage_error(suite: pytest.Pytester) -> None:
    (suite.path / "test-durations.json").write_text("{not json")

    result = suite.runpytest("--shard=1/3", *QUIET)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--shard-durations: *test-durations.json: not JSON*"])


def test_a_durations_file_that_cannot_be_read_is_a_usage_error_when_storing_too(
    suite: pytest.Pytester,
) -> None:
    (suite.path / "durations").mkdir()  # found only after the run, as a traceback, before

    result = suite.runpytest("--store-durations", "--shard-durations=durations", *QUIET)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--shard-durations: *durations: a folder, not a file*"])


def test_durations_that_cannot_be_stored_after_the_run_are_said_beside_its_results(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_blocks="""
        from pathlib import Path

        def test_takes_the_folders_name():
            Path("sub").write_text("a file where the durations' folder would go")
        """
    )

    result = pytester.runpytest("--store-durations", "--shard-durations=sub/d.json", *QUIET)

    assert result.ret == 0  # the tests' results stand
    result.stdout.fnmatch_lines(["could not store the durations: *sub/d.json: *Not a directory*"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_without_the_options_nothing_changes(suite: pytest.Pytester) -> None:
    result = suite.runpytest(*QUIET)

    result.assert_outcomes(passed=30)
    assert "shard" not in result.stdout.str()
    assert not (suite.path / "test-durations.json").exists()
