"""The queue's connection to PostgreSQL, which does not lose a job's end to a database restart.

procrastinate records the end of a job (``finish_job``: succeeded or failed; ``retry_job``: back
to ``todo`` for its next attempt) with one write, once. If the database is restarting at that
moment the write fails, the worker logs nothing but an unretrieved task error and goes on, and
the job stays ``doing`` under a worker that still beats its heartbeat: the stalled-job sweep
(``stalled_jobs``) takes back only the jobs of workers that stopped beating, so the job is never
run again, and a payment whose webhook was answered 200 waits for reconciliation. (An outage
longer than a heartbeat stops the worker, and its jobs are then taken back as stalled; a restart
between two beats does not.)

``StatusKeepingConnector`` writes a job's end again, with a growing pause, until the database
answers or its patience has passed (``JOB_END_PATIENCE_SECONDS``, 120 s by default; the
heartbeat has failed long before, so the job is then the stalled-job sweep's). The write is
safe to repeat: a repeat that finds the job no longer ``doing`` (the attempt that lost its
connection had been committed, or the stalled-job sweep took the job back meanwhile) is taken
as done, not as an error.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, LiteralString

import procrastinate
import psycopg
from procrastinate import exceptions, sql

log = logging.getLogger("reference_app.queue_connector")

JOB_ENDS: frozenset[str] = frozenset({sql.queries["finish_job"], sql.queries["retry_job"]})
FIRST_PAUSE_SECONDS = 0.1
LONGEST_PAUSE_SECONDS = 2.0


class StatusKeepingConnector(procrastinate.PsycopgConnector):
    def __init__(self, *, patience_seconds: float, **options: Any) -> None:
        super().__init__(**options)
        self.patience_seconds = patience_seconds

    async def execute_query_async(self, query: LiteralString, **arguments: Any) -> None:
        if query not in JOB_ENDS:
            await super().execute_query_async(query, **arguments)
            return
        give_up_at = time.monotonic() + self.patience_seconds
        pause = FIRST_PAUSE_SECONDS
        repeated = False
        while True:
            try:
                await super().execute_query_async(query, **arguments)
                return
            except exceptions.ConnectorException as error:
                cause = error.__cause__
                if repeated and isinstance(cause, psycopg.errors.RaiseException):
                    log.warning(
                        "job %s: no longer 'doing' when its end was written again (%s): the"
                        " write that lost its connection had been committed, or the stalled-job"
                        " sweep had taken the job back",
                        arguments.get("job_id"),
                        str(cause).strip(),
                    )
                    return
                if not isinstance(cause, psycopg.OperationalError):
                    raise
                if time.monotonic() + pause > give_up_at:
                    log.error(
                        "job %s: its end could not be recorded within %.3g s; it stays 'doing'"
                        " until the stalled-job sweep takes it back",
                        arguments.get("job_id"),
                        self.patience_seconds,
                    )
                    raise
                log.warning(
                    "job %s: could not record its end (%s): trying again in %.1f s",
                    arguments.get("job_id"),
                    str(cause).strip(),
                    pause,
                )
            repeated = True
            await asyncio.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
