"""An app whose jobs the harness cannot see one by one (as with BullMQ, whose jobs live in Redis):
the reference app's profile without ``events_sql`` and ``jobs_sql``, its queue seen only through
``queue_probe``'s counts. With the worker taking no jobs, the report's scenario fails and the
flow trace blames the queue from the probe's counts, against the scenario's start, rather than
calling the queue not observable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.harness.diagnosis.scenario_runs import ROOT, run_scenarios

pytestmark = pytest.mark.slow

REFERENCE = ROOT / "reference_app" / "wallet-harness.toml"


def only_counts_profile(folder: Path) -> Path:
    text = REFERENCE.read_text()
    text = re.sub(r'events_sql = """.*?"""\n', "", text, flags=re.S)
    text = re.sub(r"jobs_sql = .*\n", "", text)
    assert "events_sql" not in text
    assert "jobs_sql" not in text
    assert "queue_probe" in text
    profile = folder / "only-counts.toml"
    profile.write_text(text)
    return profile


def test_a_worker_that_takes_no_jobs_is_blamed_by_the_queue_probes_counts(tmp_path: Path) -> None:
    done = run_scenarios(
        "-k",
        "webhook_credits_a_topup_of_amount and 50.00",
        f"--app-profile={only_counts_profile(tmp_path)}",
        "--app-defects=worker-not-started",
        "-q",
    )
    output = done.stdout

    assert done.returncode == 1, output[-3000:] + done.stderr[-3000:]
    assert (
        "✘ queue       FIRST BROKEN: 1 job waiting in the queue after the delivery was accepted;"
        " worker process running"
    ) in output
    assert "evidence: queue probe: 1 waiting, 0 failed" in output
    assert "evidence: queue probe at the scenario's start: 0 waiting, 0 failed" in output
