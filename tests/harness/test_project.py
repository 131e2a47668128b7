"""The project checkout, found from inside it or from the install; and paths as the commands
print them: relative inside the current directory, else absolute."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.project import ProjectNotFound, find_project_root, shown

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_a_path_inside_the_current_directory_is_shown_relative(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    assert shown(tmp_path / "artifacts" / "serve-logs") == "artifacts/serve-logs"
    assert shown(Path("artifacts") / "serve.json") == "artifacts/serve.json"


def test_a_path_elsewhere_is_shown_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")

    assert shown(tmp_path / "elsewhere" / "web.log") == str(tmp_path / "elsewhere" / "web.log")


def test_the_project_is_found_from_inside_it_and_from_the_install(tmp_path: Path) -> None:
    assert find_project_root(REPO_ROOT / "features" / "ledger") == REPO_ROOT
    assert find_project_root(tmp_path) == REPO_ROOT  # via the editable install's location


def test_a_checkout_without_features_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("harness.project.__file__", str(tmp_path / "harness" / "project.py"))
    with pytest.raises(ProjectNotFound, match="run wallet-harness from the project checkout"):
        find_project_root(tmp_path)
