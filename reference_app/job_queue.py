"""The job queue: procrastinate, in the app's own PostgreSQL (the report's BullMQ analogue).

The webhook endpoint defers ``process_stripe_event`` in the same transaction that stores the
event in the inbox, so an event is never stored without its job nor queued without its row.
Failed jobs are retried with the configured backoff, then kept as failed (visible in
``/api/webhook-metrics``), never swallowed; an event refused for good (``fulfilment.Refused``:
it lies about its session, or names one Stripe does not know) fails at once, as a retry would
get the same answer.
"""

from __future__ import annotations

from typing import Any

import procrastinate
import psycopg
import psycopg_pool

from reference_app.db import RECONNECT_SECONDS, WAIT_SECONDS, quiet_or_checked_async
from reference_app.fulfilment import Refused
from reference_app.queue_connector import StatusKeepingConnector
from reference_app.settings import AppSettings

TASK_NAME = "process_stripe_event"
QUEUE = "stripe_events"


class RetryUnlessRefused(procrastinate.RetryStrategy):
    def get_retry_decision(
        self, *, exception: BaseException, job: Any
    ) -> procrastinate.RetryDecision | None:
        if isinstance(exception, Refused):
            return None
        return super().get_retry_decision(exception=exception, job=job)


def build_queue(settings: AppSettings, runtime_getter: Any = None) -> procrastinate.App:
    """The procrastinate app with its one task. ``runtime_getter`` (worker side) returns the
    Runtime the task runs with; the web side only defers."""
    # the worker's pool backs off like the app's own (``db``): a round of reconnection attempts
    # ends after a few seconds and a wait for a connection after five, so after an outage the
    # worker starts a fresh attempt at once, not after procrastinate's pool's next doubled delay;
    # it checks the connections it hands out as the app's do; a job's end is written again
    # until the database answers (``queue_connector``). Its connections commit each statement
    # as it runs: procrastinate's every query is one statement (a call of one of its
    # functions), which autocommit keeps atomic, where the pool's default sent a BEGIN before
    # it and a COMMIT after, three round trips for one (bench/README.md, round 18)
    connector = StatusKeepingConnector(
        conninfo=settings.database_url,
        configure=_commit_each_statement,
        timeout=WAIT_SECONDS,
        reconnect_timeout=RECONNECT_SECONDS,
        pool_factory=_pool_checked_as_the_apps,
        patience_seconds=settings.job_end_patience_seconds,
    )
    app = procrastinate.App(connector=connector)
    retry = RetryUnlessRefused(
        max_attempts=max(0, settings.job_max_attempts - 1),  # retries after the first try
        # procrastinate's fields say int, but it only adds them up into a timedelta: a test
        # setting of a fraction of a second is kept, not rounded to a whole one
        wait=settings.job_retry_wait_seconds,  # type: ignore[arg-type]
        linear_wait=settings.job_retry_wait_seconds,  # type: ignore[arg-type]
    )

    @app.task(name=TASK_NAME, queue=QUEUE, retry=retry)
    def process_stripe_event(event_id: str) -> str:
        from reference_app.event_handling import process_event

        return process_event(runtime_getter(), event_id)

    return app


async def _commit_each_statement(conn: psycopg.AsyncConnection[Any]) -> None:
    """Each new connection of the queue's in autocommit (a pool's ``configure``: procrastinate
    opens its LISTEN connection with ``autocommit=True`` beside the pool's own arguments, so
    the pool's ``kwargs`` cannot say it)."""
    await conn.set_autocommit(True)


def _pool_checked_as_the_apps(**arguments: Any) -> psycopg_pool.AsyncConnectionPool:
    """procrastinate's pool, checking the connections it hands out as the app's own pools do
    (``db.quiet_or_checked``) where procrastinate would send each an empty query."""
    return psycopg_pool.AsyncConnectionPool(**{**arguments, "check": quiet_or_checked_async})


def defer_event(app: procrastinate.App, conn: psycopg.Connection[Any], event_id: str) -> int:
    """Queue the event's job on ``conn``, inside the caller's transaction."""
    task = app.tasks[TASK_NAME]
    job_id: int = task.configure(connection=conn).defer(event_id=event_id)
    return job_id
