"""How the app's services log: every process of ``web``, ``worker`` and ``reconcile``, also each
of ``web --processes N``'s, which uvicorn starts afresh.

Lines that repeat what the app logs itself are left out: half of the worker's lines, so the
log tail the harness shows as evidence holds twice the app's own story, and a little of the
CPU (logging was about 7% of the web app's and the worker's under load; ``bench/README.md``,
round 8). The app logs each webhook it stores, each job's event, stage and outcome, and each
fulfilment; the libraries' warnings and errors, and procrastinate's line for a job that failed
or is to be retried (with its traceback), still show."""

from __future__ import annotations

import logging

# procrastinate's INFO lines for every job started, succeeded and deferred (its ``action``)
ROUTINE_QUEUE_ACTIONS = frozenset({"start_job", "job_success", "jobs_deferred"})


def configure_service_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # the SDK's two INFO lines a request, and httpx's one, repeat what the app logs itself
    logging.getLogger("stripe").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(not_routine_queue_line)


def not_routine_queue_line(record: logging.LogRecord) -> bool:
    """False for procrastinate's line about a job started, succeeded or deferred."""
    return not (
        record.name.startswith("procrastinate")
        and getattr(record, "action", None) in ROUTINE_QUEUE_ACTIONS
    )
