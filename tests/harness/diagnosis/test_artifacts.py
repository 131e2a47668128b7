"""A failed scenario's folder keeps the tail of every log the app's profile names
(``capabilities.logs``) next to its processes' logs, whatever else could not be written."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from harness.diagnosis.artifacts import LOG_TAIL_LINES, save_artifacts
from harness.profile.loading import LoadedProfile, parse_profile
from tests.harness.profile.screens import SCREEN


def test_the_profiles_log_files_are_kept_with_their_last_lines(tmp_path: Path) -> None:
    app_log = tmp_path / "app" / "payments.log"
    app_log.parent.mkdir()
    app_log.write_text("".join(f"line {n}\n" for n in range(LOG_TAIL_LINES + 10)))
    web_log = tmp_path / "web.log"
    web_log.write_text("POST /hooks 200\n")
    raw: dict[str, Any] = {
        "name": "an app",
        "processes": {"web": {"command": ["true"]}},
        "database": {"schema_sql": ["schema.sql"]},
        "capabilities": {"logs": ["app/payments.log"]},
        "screen": SCREEN,
    }
    profile = LoadedProfile(tmp_path / "app.toml", parse_profile(raw))
    stack = SimpleNamespace(profile=profile, logs={"web": web_log})
    scenario = SimpleNamespace(
        stack=stack,
        log_offsets={},
        save_browser_traces=lambda folder: [],
        save_open_tabs=lambda folder: [],
    )
    diagnosis = SimpleNamespace(evidence=[])
    folder = tmp_path / "artifacts"

    problems = save_artifacts(folder, cast(Any, scenario), cast(Any, diagnosis), "trace")

    kept = (folder / "app-payments.log").read_text().splitlines()
    assert len(kept) == LOG_TAIL_LINES
    assert kept[-1] == f"line {LOG_TAIL_LINES + 9}"
    assert (folder / "web.log").read_text() == "POST /hooks 200\n"
    assert not any("payments.log" in problem for problem in problems)
