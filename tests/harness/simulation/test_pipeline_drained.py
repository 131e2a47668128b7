"""The "pipeline drained" invariant for an app whose jobs live outside its database (BullMQ on
Redis): with no ``jobs_sql``, the counts come from ``queue_probe``, and a job still waiting or
failed breaks the invariant as a job row would."""

from __future__ import annotations

from typing import Any

import psycopg

from harness.profile.loading import default_profile
from harness.profile.model import QueueProbe
from harness.records.app_records import AppRecords
from harness.simulation.invariants import pipeline_violations


def records_with_probe(sql: str) -> AppRecords:
    """The reference app's capabilities, its queue shown only by a probe answering ``sql``."""
    capabilities = default_profile().app.capabilities.model_copy(
        update={"jobs_sql": None, "queue_probe": QueueProbe(sql=sql)}
    )
    return AppRecords(capabilities)


def test_jobs_the_probe_counts_as_waiting_or_failed_break_the_invariant(
    conn: psycopg.Connection[Any],
) -> None:
    violations = pipeline_violations(conn, records_with_probe("select 2, 1"))

    assert [(v.invariant, v.detail) for v in violations] == [
        ("pipeline drained", "2 jobs waiting or running (queue_probe)"),
        ("pipeline drained", "1 jobs failed (queue_probe)"),
    ]


def test_an_empty_queue_by_the_probe_holds_it(conn: psycopg.Connection[Any]) -> None:
    assert pipeline_violations(conn, records_with_probe("select 0, 0")) == []


def test_the_probe_is_not_asked_where_the_jobs_table_is_read(
    conn: psycopg.Connection[Any],
) -> None:
    capabilities = default_profile().app.capabilities.model_copy(
        update={"queue_probe": QueueProbe(sql="select 5, 5")}
    )

    assert pipeline_violations(conn, AppRecords(capabilities)) == []  # the seeded jobs table


def test_jobs_that_failed_before_the_run_are_not_the_runs(conn: psycopg.Connection[Any]) -> None:
    # BullMQ keeps failed jobs in Redis, which the reset leaves: an earlier run's are not this one's
    records = records_with_probe("select 0, 3")

    assert pipeline_violations(conn, records, probe_failed_before=3) == []
    assert [v.detail for v in pipeline_violations(conn, records, probe_failed_before=1)] == [
        "2 jobs failed (queue_probe)"
    ]
