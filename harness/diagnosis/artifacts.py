"""A failed scenario's folder, ``artifacts/scenarios/<slug of its node id>/``: the flow trace
and the evidence it was judged on, the fake's delivery log, the scenario's organisations'
ledger rows, the part of each process's log written during the scenario, and the last lines of
each log file the app's profile names (``capabilities.logs``).

Every file is written on its own: one that cannot be written is noted and the rest still are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from harness.diagnosis.evidence import scenario_log

if TYPE_CHECKING:
    from harness.diagnosis import Diagnosis
    from harness.scenario import Scenario

LOG_TAIL_LINES = 500


def artifact_folder(root: Path, nodeid: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[-150:]
    return root / "artifacts" / "scenarios" / slug


def save_artifacts(folder: Path, scenario: Scenario, diagnosis: Diagnosis, trace: str) -> list[str]:
    """Write what there is; return a note for each file that could not be written."""
    problems: list[str] = []

    def write(name: str, make: Callable[[], str]) -> None:
        try:
            (folder / name).write_text(make(), encoding="utf-8")
        except Exception as error:
            problems.append(f"{name}: {type(error).__name__}: {error}")

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return [f"{folder}: {error}"]
    write("trace.txt", lambda: trace + "\n")
    write("evidence.json", lambda: _json([asdict(item) for item in diagnosis.evidence]))
    write("deliveries.json", lambda: _deliveries(scenario))
    write("ledger.json", lambda: _ledger(scenario, diagnosis))
    for name in scenario.stack.logs:  # every process the profile runs, and the fake
        write(f"{name}.log", _log_reader(scenario, name))
    for path in _app_log_files(scenario):  # the profile's capabilities.logs
        write(f"app-{path.name}", _file_tail(path))
    problems += scenario.save_browser_traces(folder)
    problems += scenario.save_open_tabs(folder)
    if problems:
        write("artifact-problems.txt", lambda: "\n".join(problems) + "\n")
    return problems


def _json(value: object) -> str:
    return json.dumps(value, indent=2, default=str, ensure_ascii=False) + "\n"


def _deliveries(scenario: Scenario) -> str:
    deliveries = scenario.stack.control.deliveries()
    return _json(
        {
            "attempts": [asdict(attempt) for attempt in deliveries.attempts],
            "pending": [asdict(pending) for pending in deliveries.pending],
        }
    )


def _ledger(scenario: Scenario, diagnosis: Diagnosis) -> str:
    orgs = {item.org_id for item in diagnosis.evidence if item.org_id}
    orgs |= {item.page.org_id for item in diagnosis.evidence if item.page is not None}
    orgs |= {customer.account.org_id for customer in scenario.customers.values()}
    with scenario.stack.connect() as conn:
        dump = {
            org: {
                "balance_pence": scenario.stack.ledger.balance_pence(conn, org),
                "rows": [asdict(row) for row in scenario.stack.ledger.rows(conn, org)],
            }
            for org in sorted(orgs)
        }
    return _json(dump)


def _app_log_files(scenario: Scenario) -> list[Path]:
    profile = scenario.stack.profile
    return [(profile.folder / name).resolve() for name in profile.app.capabilities.logs]


def _file_tail(path: Path) -> Callable[[], str]:
    return lambda: _tail(path.read_text(errors="replace"))


def _log_reader(scenario: Scenario, name: str) -> Callable[[], str]:
    return lambda: _tail(scenario_log(scenario, name))


def _tail(text: str) -> str:
    lines = text.splitlines()[-LOG_TAIL_LINES:]
    return "\n".join(lines) + ("\n" if lines else "")
