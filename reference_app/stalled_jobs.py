"""A job whose worker died mid-job (``kill -9``, the OOM killer, a lost machine) is handed out
again within a bounded time, instead of staying ``doing`` for ever.

procrastinate marks a running job ``doing`` with its worker's id, and each worker beats a
heartbeat in ``procrastinate_workers`` every ``HEARTBEAT_SECONDS``. A ``doing`` job whose worker
has not beaten for ``JOB_STALLED_AFTER_SECONDS`` (or whose worker row is gone) belongs to a dead
worker. procrastinate 3 finds such jobs (``JobManager.get_stalled_jobs``) but leaves acting on
them to the app, so every worker process sweeps for them every ``SWEEP_SECONDS`` and puts each
back to ``todo`` through procrastinate's own retry function (one more attempt), then forgets
the dead workers. Running the job again is safe: processing is idempotent per Checkout Session
(``add_wallet_credits`` is keyed on it).
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg

log = logging.getLogger("reference_app.stalled_jobs")
HEARTBEAT_SECONDS = 2.0  # procrastinate's worker heartbeat (its default is 10 s)
SWEEP_SECONDS = 2.0

STALLED = """
select job.id, job.task_name, job.worker_id
  from procrastinate_jobs job
  left join procrastinate_workers worker on worker.id = job.worker_id
 where job.status = 'doing'
   and (worker.id is null or worker.last_heartbeat < now() - make_interval(secs => %s))
   for update of job skip locked
"""


RETRY = "select procrastinate_retry_job_v2(%s, now(), null, null, null)"


def requeue_stalled_jobs(conn: psycopg.Connection[Any], stalled_after: float) -> list[int]:
    """Put the jobs of dead workers back in the queue; their ids."""
    with conn.transaction():
        stalled = conn.execute(STALLED, (stalled_after,)).fetchall()
        for job_id, task_name, worker_id in stalled:
            conn.execute(
                "select procrastinate_retry_job_v2(%s, now(), null, null, null)", (job_id,)
            )
            log.warning(
                "job %s (%s) was left running by worker %s, which stopped beating more than %.0f s"
                " ago: queued again",
                job_id,
                task_name,
                worker_id if worker_id is not None else "(gone)",
                stalled_after,
            )
        conn.execute("select procrastinate_prune_stalled_workers_v1(%s)", (stalled_after,))
    return [int(row[0]) for row in stalled]
