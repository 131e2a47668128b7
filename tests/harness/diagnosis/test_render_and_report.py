"""The flow trace as text, the failure report built around it, and gathering that never raises
when a source is gone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

import pytest
import stripe

from fake_stripe.client import FakeStripeControl
from harness.diagnosis import Diagnosis, diagnose, judge
from harness.diagnosis.failure_report import DiagnosedFailure, rerun_command
from harness.ports import free_port
from harness.profile.loading import default_profile
from harness.records.app_records import AppRecords
from harness.records.ledger import LedgerBook
from tests.harness.diagnosis.topup_evidence import attempt, credited_by_webhook, topup

if TYPE_CHECKING:
    from harness.scenario import Scenario


def test_a_trace_marks_the_first_broken_stage_and_shows_its_evidence() -> None:
    evidence = credited_by_webhook(attempts=(attempt(404),), topup=topup("created", None))
    text = Diagnosis((judge(evidence),), (evidence,)).render()
    lines = text.splitlines()
    assert lines[0] == "Flow trace for cs_test_a1 (test@demo.com, £50.00):"
    assert lines[1].startswith("  ✔ session ")
    delivery = next(line for line in lines if "delivery" in line and "✘" in line)
    assert "FIRST BROKEN: 1 attempt, none answered 2xx: 404" in delivery
    evidence_line = lines[lines.index(delivery) + 1]
    assert evidence_line.strip().startswith("evidence: ")
    assert evidence_line.index("evidence") == delivery.index("FIRST BROKEN")  # aligned
    assert any(line.startswith("  · signature ") for line in lines)
    assert "First broken stage: delivery (top-up cs_test_a1)" in lines


def test_the_diagnosis_names_the_first_broken_stage_of_the_first_topup_that_has_one() -> None:
    sound, broken = credited_by_webhook(), credited_by_webhook(ledger_rows=())
    diagnosis = Diagnosis((judge(sound), judge(broken)), (sound, broken))
    assert diagnosis.first_broken == "ledger"
    assert Diagnosis((judge(sound),), (sound,)).first_broken is None


def test_a_scenario_without_topups_says_so() -> None:
    text = Diagnosis((), ()).render()
    assert text.startswith("Flow trace: the scenario started no top-up")


def test_the_failure_report_puts_the_trace_first_and_the_rerun_command_last() -> None:
    crash = SimpleNamespace(message="AssertionError: the wallet holds £0.00")
    original = SimpleNamespace(reprcrash=crash, toterminal=lambda tw: tw.line("E  original"))
    report = DiagnosedFailure("Flow trace for cs_1 (x, £1.00):\n  ✘ delivery", original, "CMD")
    text = str(report)
    assert text.startswith("Flow trace for cs_1")
    assert text.index("E  original") > text.index("✘ delivery")
    assert text.endswith("Rerun just this scenario: CMD")
    assert (
        cast(object, report.reprcrash) is crash
    )  # JUnit's message and the short summary keep the cause


def test_the_rerun_command_quotes_the_node_id_for_the_shell() -> None:
    options = {"app_defects": "route-not-mounted"}
    item = SimpleNamespace(
        nodeid='steps/test_scenarios.py::test_x[\\xa350.00-"$HOME"]',
        config=SimpleNamespace(getoption=lambda name, default=None: options.get(name, default)),
    )
    command = rerun_command(cast(pytest.Item, item))
    assert command.endswith(' --app-defects="route-not-mounted"')
    echoed = subprocess.run(
        ["sh", "-c", command.replace("python -m pytest", "printf %s")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert echoed.startswith(item.nodeid)  # the shell hands pytest the node id unchanged


def test_gathering_from_services_that_are_gone_reports_them_unavailable(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"

    def no_database() -> None:
        raise ConnectionError("the database is gone")

    stack = SimpleNamespace(
        stripe=stripe.StripeClient(
            "sk_test_x",
            base_addresses={"api": closed},
            http_client=stripe.HTTPXClient(allow_sync_methods=True),
            max_network_retries=0,
        ),
        control=FakeStripeControl(closed, timeout=2),
        connect=no_database,
        logs={name: tmp_path / f"{name}.log" for name in ("fake", "web", "worker")},
        web_url=closed,
        worker=SimpleNamespace(running=False),
        config=SimpleNamespace(seed=7),
        profile=default_profile(),
        records=AppRecords(default_profile().app.capabilities),
        ledger=LedgerBook(default_profile().app.ledger),
    )
    scenario = SimpleNamespace(
        stack=stack,
        session_ids=["cs_test_gone"],
        customers={},
        notes={},
        log_offsets={},
        queue_at_start=None,
    )
    diagnosis = diagnose(cast("Scenario", scenario))
    trace = diagnosis.traces[0]
    assert {"stripe session", "fake deliveries", "database"} <= set(trace.unavailable)
    assert "the database is gone" in trace.unavailable["database"]
    assert trace.first_broken == "session"
    text = diagnosis.render()
    assert "balance     unknown: ConnectionError: the database is gone" in text
    assert "unavailable: fake deliveries: " in text  # no stage said that one
    assert "fake_stripe seed 7" in text


def test_importing_the_plugin_stays_cheap() -> None:
    """The hooks load in every pytest run: the diagnosis is imported only when one fails."""
    code = (
        "import sys, harness.plugin.scenario_hooks; "
        "print(any(name.startswith('harness.diagnosis') for name in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
