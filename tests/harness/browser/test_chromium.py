"""Which Chromium the browser tests launch, and that it cannot reach the internet."""

from __future__ import annotations

import os
from pathlib import Path
from typing import cast

import pytest
from playwright.sync_api import Playwright

from harness.browser import chromium
from harness.browser.chromium import BrowserMissing, choose_executable, chromium_args


class _Chromium:
    def __init__(self, executable_path: str) -> None:
        self.executable_path = executable_path


class _Playwright:
    """Stands in for Playwright: only ``chromium.executable_path`` is read."""

    def __init__(self, bundled: str) -> None:
        self.chromium = _Chromium(bundled)


def stand_in(bundled: str | Path) -> Playwright:
    return cast(Playwright, _Playwright(str(bundled)))


def executable(path: Path) -> Path:
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def not_executable(path: Path) -> Path:
    path.write_text("not a program\n")
    path.chmod(0o644)
    return path


@pytest.fixture
def no_system_chromium(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[str, ...]:
    paths = (str(tmp_path / "usr-bin-chromium"), str(not_executable(tmp_path / "chrome-text")))
    monkeypatch.setattr(chromium, "SYSTEM_CHROMIUMS", paths)
    return paths


def test_an_explicit_executable_wins_over_the_bundled_one(tmp_path: Path) -> None:
    bundled = executable(tmp_path / "bundled-chrome")
    explicit = executable(tmp_path / "my-chrome")

    assert choose_executable(stand_in(bundled), str(explicit)) == str(explicit)


@pytest.mark.parametrize("kind", ["missing", "not-executable", "a-directory"])
def test_an_explicit_path_that_cannot_run_is_refused_by_name(tmp_path: Path, kind: str) -> None:
    bundled = executable(tmp_path / "bundled-chrome")
    explicit = {
        "missing": tmp_path / "no-such-chrome",
        "not-executable": not_executable(tmp_path / "chrome.txt"),
        "a-directory": tmp_path,
    }[kind]

    with pytest.raises(BrowserMissing, match="is not an executable file") as raised:
        choose_executable(stand_in(bundled), str(explicit))
    assert str(explicit) in str(raised.value)


def test_the_bundled_chromium_is_playwrights_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = executable(tmp_path / "system-chromium")
    monkeypatch.setattr(chromium, "SYSTEM_CHROMIUMS", (str(system),))

    assert choose_executable(stand_in(executable(tmp_path / "bundled-chrome"))) is None


@pytest.mark.parametrize("bundled", ["missing", "not-executable", "empty"])
def test_without_the_bundled_one_the_first_system_executable_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bundled: str
) -> None:
    first = executable(tmp_path / "chromium-browser")
    second = executable(tmp_path / "google-chrome")
    monkeypatch.setattr(
        chromium,
        "SYSTEM_CHROMIUMS",
        (
            str(tmp_path / "chromium"),  # not there
            str(not_executable(tmp_path / "chromium-readme")),
            str(first),
            str(second),
        ),
    )
    bundled_path = {
        "missing": str(tmp_path / "ms-playwright" / "chrome"),
        "not-executable": str(not_executable(tmp_path / "bundled-chrome")),
        "empty": "",
    }[bundled]

    assert choose_executable(stand_in(bundled_path)) == str(first)


def test_no_chromium_at_all_says_how_to_install_one(
    tmp_path: Path, no_system_chromium: tuple[str, ...]
) -> None:
    bundled = tmp_path / "ms-playwright" / "chrome"

    with pytest.raises(BrowserMissing) as raised:
        choose_executable(stand_in(bundled))

    message = str(raised.value)
    assert "playwright install" in message
    assert "apt-get install chromium" in message
    assert "WALLET_CHROMIUM" in message
    assert str(bundled) in message  # where Playwright's own was looked for
    assert all(path in message for path in no_system_chromium)


def test_an_empty_explicit_choice_falls_back_to_the_defaults(tmp_path: Path) -> None:
    # WALLET_CHROMIUM= (set but empty) is no choice at all
    assert choose_executable(stand_in(executable(tmp_path / "bundled-chrome")), "") is None


def test_every_host_but_localhost_resolves_to_nothing() -> None:
    rules = [arg for arg in chromium_args() if arg.startswith("--host-resolver-rules=")]

    assert rules == [
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"
    ]
    assert "--disable-background-networking" in chromium_args()


@pytest.mark.parametrize(("euid", "sandboxed"), [(0, False), (1000, True)])
def test_the_sandbox_is_off_only_for_root(
    monkeypatch: pytest.MonkeyPatch, euid: int, sandboxed: bool
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: euid)

    assert ("--no-sandbox" not in chromium_args()) is sandboxed
