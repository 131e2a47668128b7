"""What the app's services log (``reference_app.logs``): procrastinate's routine line for each
job started, succeeded or deferred is left out, its line for a job failed or to be retried is
kept, and so is every line of the app's own."""

from __future__ import annotations

import logging

import pytest

from reference_app.logs import not_routine_queue_line


def record(name: str, level: int, action: str | None) -> logging.LogRecord:
    made = logging.LogRecord(name, level, __file__, 1, "a line", None, None)
    if action is not None:
        made.action = action
    return made


@pytest.mark.parametrize(
    ("name", "level", "action", "kept"),
    [
        ("procrastinate.worker.worker-1", logging.INFO, "start_job", False),
        ("procrastinate.worker", logging.INFO, "job_success", False),
        ("procrastinate.jobs", logging.INFO, "jobs_deferred", False),
        ("procrastinate.worker", logging.INFO, "job_error_retry", True),
        ("procrastinate.worker", logging.ERROR, "job_error", True),
        ("procrastinate.worker.worker-1", logging.INFO, "start_worker", True),
        ("reference_app.worker", logging.INFO, None, True),
        ("reference_app.worker", logging.INFO, "start_job", True),
    ],
)
def test_only_procrastinates_routine_lines_are_left_out(
    name: str, level: int, action: str | None, kept: bool
) -> None:
    assert not_routine_queue_line(record(name, level, action)) is kept
