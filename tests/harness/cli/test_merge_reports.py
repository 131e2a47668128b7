"""``wallet-harness merge-reports``: the JUnit XML and cucumber JSON of real sharded pytest runs
merged into one report each, with the counts summed; overlapping shards and unreadable inputs
refused with exit 2 and the file named, never a traceback."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ElementTree  # the tests' own reports
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.project import shown

TESTS = """
import pytest

@pytest.mark.parametrize("n", range(12))
def test_passes(n):
    pass

@pytest.mark.parametrize("n", range(2))
def test_skips(n):
    pytest.skip("not here")

def test_fails():
    assert 1 == 2
"""
FEATURE = """Feature: Top-ups
  Scenario Outline: A top-up of <amount>
    Given a wallet
    When I top up <amount>
    Then it holds <amount>

    Examples:
      | amount |
      | 1      |
      | 2      |
      | 3      |
      | 4      |
      | 5      |
      | 6      |
"""
STEPS = """
from pytest_bdd import given, parsers, scenarios, then, when

scenarios("topups.feature")

@given("a wallet", target_fixture="wallet")
def wallet():
    return []

@when(parsers.parse("I top up {amount:d}"))
def top_up(wallet, amount):
    wallet.append(amount)

@then(parsers.parse("it holds {amount:d}"))
def holds(wallet, amount):
    assert sum(wallet) == amount
"""
TESTS_IN_ALL = 15 + 6  # the plain tests and the scenarios
# the inner runs: no cache, no sweep of dead runs, no stack under the scenarios (the harness's
# fixtures), no pytest-playwright (its soft assertions refuse a session inside a session), none
# of the slow plugins they do not use, and nothing left on sys.path
INNER = (
    "-p",
    "no:cacheprovider",
    "-p",
    "no:wallet_harness_leftover_sweep",
    "-p",
    "no:wallet_harness_fixtures",
    "-p",
    "no:playwright",
    "-p",
    "no:hypothesispytest",
    "-p",
    "no:benchmark",
    "--import-mode=importlib",
)


@pytest.fixture(scope="module")
def shards(pytester_module: Path) -> list[tuple[Path, Path]]:
    return sorted((path, path.with_suffix(".json")) for path in pytester_module.glob("shard*.xml"))


@pytest.fixture(scope="module")
def pytester_module(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three shards of a run written by a real pytest, in a folder the module's tests share."""
    folder = tmp_path_factory.mktemp("sharded-run")
    (folder / "test_plain.py").write_text(TESTS)
    (folder / "topups.feature").write_text(FEATURE)
    (folder / "test_topups.py").write_text(STEPS)
    for k in (1, 2, 3):
        code = pytest.main(
            [
                str(folder),
                "--rootdir",
                str(folder),
                f"--shard={k}/3",
                f"--junitxml={folder}/shard{k}.xml",
                f"--cucumberjson={folder}/shard{k}.json",
                "-q",
                *INNER,
            ]
        )
        assert code in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
    return folder


def junit_counts(path: Path) -> dict[str, float]:
    root = ElementTree.parse(path).getroot()  # noqa: S314
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    return {
        name: sum(float(suite.get(name, 0)) for suite in suites)
        for name in ("tests", "failures", "errors", "skipped", "time")
    }


def test_the_shards_junit_merges_into_one_suite_with_the_sums(
    shards: list[tuple[Path, Path]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports" / "junit.xml"
    inputs = [str(xml) for xml, _ in shards]

    assert main(["merge-reports", "--junitxml", str(out), *inputs]) == 0

    parts = [junit_counts(Path(each)) for each in inputs]
    root = ElementTree.parse(out).getroot()  # noqa: S314
    assert root.tag == "testsuites"
    for name in ("tests", "failures", "errors", "skipped"):
        summed = sum(int(part[name]) for part in parts)
        assert int(root.get(name, -1)) == summed
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == (
        str(TESTS_IN_ALL),
        "1",
        "2",
    )
    assert float(root.get("time", -1)) == pytest.approx(
        sum(part["time"] for part in parts), abs=0.01
    )
    [suite] = root.findall("testsuite")  # pytest's one suite per shard, merged
    assert suite.get("name") == "pytest"
    cases = suite.findall("testcase")
    assert len(cases) == TESTS_IN_ALL
    assert len({(case.get("classname"), case.get("name")) for case in cases}) == TESTS_IN_ALL
    assert capsys.readouterr().out == (
        f"merged 3 JUnit reports: {TESTS_IN_ALL} tests, 1 failures, 0 errors, 2 skipped"
        f" -> {shown(out)}\n"
    )


def test_the_shards_cucumber_json_merges_by_feature(
    shards: list[tuple[Path, Path]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cucumber.json"
    inputs = [str(json_path) for _, json_path in shards]
    scenarios_per_shard = [
        sum(len(feature["elements"]) for feature in json.loads(Path(each).read_text()))
        for each in inputs
    ]

    assert main(["merge-reports", "--cucumberjson", str(out), *inputs]) == 0

    [feature] = json.loads(out.read_text())
    assert feature["uri"].endswith("topups.feature")
    assert len(feature["elements"]) == sum(scenarios_per_shard) == 6
    assert len({element["id"] for element in feature["elements"]}) == 6
    assert "merged 3 cucumber reports: 1 features, 6 scenarios ->" in capsys.readouterr().out


def test_both_at_once_sorted_by_extension(
    shards: list[tuple[Path, Path]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = [str(path) for pair in shards for path in pair]

    code = main(
        [
            "merge-reports",
            *("--junitxml", f"{tmp_path}/j.xml", "--cucumberjson", f"{tmp_path}/c.json"),
            *inputs,
        ]
    )

    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "merged 3 JUnit reports",
        "merged 3 cucumber reports",
    ]


def test_a_test_in_two_shards_is_refused_naming_it(
    shards: list[tuple[Path, Path]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = shards[0][0]
    copy = tmp_path / "shard1-again.xml"
    shutil.copy(first, copy)

    code = main(["merge-reports", "--junitxml", f"{tmp_path}/out.xml", str(first), str(copy)])

    assert code == 2
    error = capsys.readouterr().err
    assert f"is in both {first} and {copy}" in error
    assert "the shards overlap" in error
    assert not (tmp_path / "out.xml").exists()


def test_a_scenario_in_two_shards_is_refused(
    shards: list[tuple[Path, Path]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_scenarios = next(json_path for _, json_path in shards if json.loads(json_path.read_text()))
    copy = tmp_path / "again.json"
    shutil.copy(with_scenarios, copy)

    code = main(
        ["merge-reports", "--cucumberjson", f"{tmp_path}/c.json", str(with_scenarios), str(copy)]
    )

    assert code == 2
    assert "topups.feature: scenario" in capsys.readouterr().err


def test_the_same_file_twice_is_refused(
    shards: list[tuple[Path, Path]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = str(shards[0][0])

    assert main(["merge-reports", "--junitxml", f"{tmp_path}/o.xml", first, first]) == 2
    assert "is given twice" in capsys.readouterr().err


HAND_WRITTEN = """<?xml version="1.0" encoding="utf-8"?>
<testsuite name="unit" tests="2" failures="0" errors="1" skipped="0" time="1.5">
  <properties><property name="seed" value="1"/></properties>
  <testcase classname="tests.test_a" name="test_one" time="0.5"/>
  <testcase classname="tests.test_a" name="test_two" time="1.0"><error message="boom"/></testcase>
</testsuite>
"""
HAND_WRITTEN_SUITES = """<?xml version="1.0" encoding="utf-8"?>
<testsuites>
  <testsuite name="unit" tests="1" failures="1" errors="0" skipped="0" time="0.25">
    <properties><property name="seed" value="1"/></properties>
    <testcase classname="tests.test_b" name="test_three" time="0.25">
      <failure message="no"/>
    </testcase>
  </testsuite>
  <testsuite name="features" time="2.0">
    <testcase classname="steps" name="test_four" time="2.0"><skipped message="later"/></testcase>
  </testsuite>
</testsuites>
"""


def test_a_single_testsuite_and_testsuites_merge_by_suite_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.xml").write_text(HAND_WRITTEN)
    (tmp_path / "b.xml").write_text(HAND_WRITTEN_SUITES)
    out = tmp_path / "out.xml"

    assert (
        main(
            [
                "merge-reports",
                "--junitxml",
                str(out),
                str(tmp_path / "a.xml"),
                str(tmp_path / "b.xml"),
            ]
        )
        == 0
    )

    root = ElementTree.parse(out).getroot()  # noqa: S314
    assert dict(root.attrib) == {
        "name": "pytest tests",
        "tests": "4",
        "failures": "1",
        "errors": "1",
        "skipped": "1",
        "time": "3.750",
    }
    unit, features = root.findall("testsuite")
    assert (unit.get("name"), unit.get("tests"), unit.get("time")) == ("unit", "3", "1.750")
    assert len(unit.findall("testcase")) == 3
    assert len(unit.findall("properties/property")) == 1  # the same property once
    # a suite without counts is counted from its test cases
    assert (features.get("tests"), features.get("skipped")) == ("1", "1")
    assert (
        "merged 2 JUnit reports: 4 tests, 1 failures, 1 errors, 1 skipped"
        in capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.xml", None, "missing.xml: no such file"),
        ("broken.xml", "<testsuite><testcase", "broken.xml: not XML"),
        ("html.xml", "<html><body/></html>", "html.xml: not JUnit XML (its root is <html>"),
        ("count.xml", '<testsuite tests="many"/>', "count.xml: <testsuite> tests='many'"),
        # each of these was a traceback (int of nan or inf) or a merged total that said nan
        ("nan.xml", '<testsuite tests="nan"/>', "tests='nan' is not a whole number from 0"),
        ("inf.xml", '<testsuite tests="inf"/>', "tests='inf' is not a whole number from 0"),
        ("half.xml", '<testsuite tests="2.5"/>', "tests='2.5' is not a whole number from 0"),
        ("minus.xml", '<testsuite failures="-1"/>', "failures='-1' is not a whole number"),
        ("time.xml", '<testsuite time="inf"/>', "time='inf' is not a number of seconds"),
        (
            "case.xml",
            '<testsuite><testcase name="t" time="soon"/></testsuite>',
            "case.xml: <testcase name='t'> time='soon' is not a number of seconds from 0",
        ),
        ("deep.json", "[" * 100_000, "deep.json: not cucumber JSON (nested too deeply"),
        ("missing.json", None, "missing.json: no such file"),
        ("broken.json", "[{", "broken.json: not JSON"),
        ("object.json", '{"uri": "x"}', "object.json: not cucumber JSON"),
        ("report.txt", "", "not a .xml (JUnit) or .json (cucumber) report"),
    ],
)
def test_a_bad_input_is_refused_naming_the_file(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str | None,
    message: str,
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    outputs = ["--junitxml", f"{tmp_path}/o.xml"] if name.endswith(".xml") else []
    outputs += ["--cucumberjson", f"{tmp_path}/o.json"] if name.endswith(".json") else []

    assert main(["merge-reports", *outputs, str(path)]) == 2

    error = capsys.readouterr().err
    assert error.startswith("wallet-harness merge-reports: ")
    assert message in error
    assert "Traceback" not in error


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["a.xml"], "say where to write the merge"),
        (["--cucumberjson", "o.json", "a.xml"], "1 JUnit .xml inputs given but no --junitxml"),
        (["--junitxml", "o.xml", "a.json"], "--junitxml given but no JUnit .xml inputs"),
    ],
)
def test_inputs_and_outputs_must_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    for name in ("a.xml", "a.json"):
        (tmp_path / name).write_text("")
    arguments = [each if each.startswith("--") else str(tmp_path / each) for each in arguments]

    assert main(["merge-reports", *arguments]) == 2
    assert message in capsys.readouterr().err
