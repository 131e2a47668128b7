"""Paths as the commands print them: relative inside the current directory, else absolute."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.project import shown


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
