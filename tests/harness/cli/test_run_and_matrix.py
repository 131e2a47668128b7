"""wallet-harness's ``run`` options and the ``matrix`` command's refusals."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from harness.cli.main import main, pytest_arguments
from harness.defect_matrix.table import known_defects
from harness.profile.loading import PROFILE_VARIABLE, default_profile, default_profile_path

REFERENCE_PROFILE = default_profile_path()
REFERENCE_MATRIX = 'matrix = "../features/defect_matrix.toml"'


def run_options(**given: object) -> argparse.Namespace:
    options: dict[str, object] = {"tags": None, "db_url": None, "headed": False, "defect": None}
    return argparse.Namespace(**{**options, **given})


def test_run_passes_headed_and_every_defect_to_pytest(tmp_path: Path) -> None:
    arguments = pytest_arguments(
        run_options(headed=True, defect=["seed-bug", "lost-update"]), ["-x"], tmp_path
    )

    assert arguments == [
        "steps/test_scenarios.py",
        "--rootdir",
        str(tmp_path),
        "--gherkin-terminal-reporter",
        "-v",
        "--headed",
        "--app-defects",
        "seed-bug,lost-update",
        "-x",
    ]


def test_run_without_the_new_options_passes_neither(tmp_path: Path) -> None:
    arguments = pytest_arguments(run_options(tags="ledger"), ["-q"], tmp_path)

    assert "--headed" not in arguments
    assert "--app-defects" not in arguments
    assert "-v" not in arguments  # -q given: no verbose scenario listing
    assert arguments[-3:] == ["-m", "ledger", "-q"]


def test_the_command_line_reaches_pytest_with_the_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    received: list[list[str]] = []

    def pytest_main(arguments: list[str]) -> int:
        received.append(arguments)
        return 0

    monkeypatch.setattr(pytest, "main", pytest_main)  # the run itself is not under test
    project = project_tree(tmp_path)
    monkeypatch.chdir(project)
    # the tree names no profile: the defects are checked against the reference app's, named
    # here, not against whatever profile an earlier test in this process happened to read
    monkeypatch.setenv(PROFILE_VARIABLE, str(REFERENCE_PROFILE))
    default_profile.cache_clear()

    code = main(["run", "--headed", "--defect", "seed-bug", "--defect", "lost-update", "-k", "x"])

    assert code == 0
    (arguments,) = received
    assert arguments[arguments.index("--app-defects") + 1] == "seed-bug,lost-update"
    assert "--headed" in arguments
    assert arguments[-2:] == ["-k", "x"]
    assert arguments[arguments.index("--rootdir") + 1] == str(project)


@pytest.mark.parametrize("command", ["run", "matrix", "serve", "reproduce", "simulate"])
def test_a_defect_the_app_does_not_have_is_refused_before_anything_starts(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    defect = ["no-such"] if command == "reproduce" else ["--defect", "no-such"]
    with pytest.raises(SystemExit) as refused:
        main([command, *defect])

    assert refused.value.code == 2
    assert "no defect 'no-such'; known: stale-webhook-url" in capsys.readouterr().err


def project_tree(root: Path, table: str | None = None) -> Path:
    """The least ``find_project_root`` accepts, with this defect matrix."""
    (root / "steps").mkdir()
    (root / "steps" / "test_scenarios.py").write_text("")
    (root / "features").mkdir()
    if table is not None:
        (root / "features" / "defect_matrix.toml").write_text(table)
    return root


def matrix(
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    names_matrix: bool = True,
) -> tuple[int, str]:
    """``wallet-harness matrix`` with the reference app's profile, its matrix the tree's."""
    monkeypatch.chdir(root)
    code = main(["matrix", "--app", str(matrix_profile(root, names_matrix)), *args])
    return code, capsys.readouterr().err


def matrix_profile(root: Path, names_matrix: bool = True) -> Path:
    """The reference app's profile in the tree, its matrix the tree's (or none)."""
    table = f'matrix = "{root / "features" / "defect_matrix.toml"}"' if names_matrix else ""
    profile = root / "app.toml"
    profile.write_text(REFERENCE_PROFILE.read_text().replace(REFERENCE_MATRIX, table))
    return profile


def full_table() -> str:
    return "".join(
        f'[[catch]]\ndefect = "{name}"\nscenario = "test_x"\nfails_with = "no"\nstage = "ui"\n'
        for name in known_defects()
    )


@pytest.mark.parametrize(
    ("table", "reason"),
    [
        (
            full_table().replace('defect = "seed-bug"', 'defect = "seed-bugs"'),
            "no defect 'seed-bugs'",
        ),
        (full_table().replace('stage = "ui"\n', "", 1), "entry 1 lacks stage"),
        ("[[catch]\n", "defect_matrix.toml: not TOML: "),
        ("", "no [[catch]] entries"),
        (None, "defect_matrix.toml: no such file"),
    ],
    ids=["unknown-defect", "missing-key", "bad-toml", "empty", "no-table"],
)
def test_matrix_with_a_broken_table_exits_2_with_the_reason(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    table: str | None,
    reason: str,
) -> None:
    code, err = matrix(project_tree(tmp_path, table), monkeypatch, capsys)

    assert code == 2
    assert err.startswith("wallet-harness matrix: ")
    assert reason in err
    assert "defect_matrix.toml" in err


def test_matrix_for_a_profile_that_names_no_matrix_exits_2_with_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project_tree(tmp_path, full_table())

    code, err = matrix(root, monkeypatch, capsys, names_matrix=False)

    assert code == 2
    assert "names no defect matrix (set [defects] matrix" in err


def test_matrix_with_a_simulation_that_breaks_no_known_invariant_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    simulation = '[[catch]]\ndefect = "seed-bug"\nsimulate = "--seed 1"\nbreaks = "money safe"\n'
    root = project_tree(tmp_path, full_table() + simulation)

    code, err = matrix(root, monkeypatch, capsys)

    assert code == 2
    assert "seed-bug: no invariant 'money safe' (known: acknowledged means credited," in err


def test_matrix_store_durations_records_each_verdict_under_its_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project_tree(tmp_path, full_table())  # its scenarios module holds no test: "missing"
    durations = tmp_path / "durations.json"
    durations.write_text(json.dumps({"steps/test_scenarios.py::test_other": 3.0}))
    monkeypatch.chdir(root)

    store = ["--store-durations", "--shard-durations", str(durations)]
    code = main(["matrix", "--app", str(matrix_profile(root)), "--defect", "seed-bug", *store])

    assert code == 1, capsys.readouterr()  # the scenario did not run: not as the table says
    assert "stored the durations of 2 verdicts in" in capsys.readouterr().out
    assert sorted(json.loads(durations.read_text())) == [
        "features/defect_matrix.toml::test_x with no defect",
        "features/defect_matrix.toml::test_x with seed-bug",
        "steps/test_scenarios.py::test_other",  # kept
    ]


def test_matrix_shards_refuse_a_durations_file_that_is_not_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project_tree(tmp_path, full_table())
    (tmp_path / "durations.json").write_text("[1, 2")

    code, err = matrix(
        root, monkeypatch, capsys, "--shard", "1/2", "--shard-durations", "durations.json"
    )

    assert code == 2
    assert "wallet-harness matrix: --shard-durations:" in err
    assert "durations.json: not JSON" in err
