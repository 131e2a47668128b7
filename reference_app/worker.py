"""``python -m reference_app worker``: runs the queued jobs, beats a heartbeat, queues again the
jobs a dead worker left running (``stalled_jobs``), and sweeps for missed webhooks every
``RECONCILE_INTERVAL_SECONDS``."""

from __future__ import annotations

import logging
import socket
import threading

from reference_app import stalled_jobs
from reference_app.db import open_pool
from reference_app.defect_schema import apply_defect_schema
from reference_app.defects import Defects
from reference_app.job_queue import QUEUE, build_queue
from reference_app.reconcile import reconcile
from reference_app.runtime import Runtime
from reference_app.settings import AppSettings
from reference_app.stripe_gateway import StripeGateway, make_client

log = logging.getLogger("reference_app.worker")
HEARTBEAT_SECONDS = 2.0


def run_worker(settings: AppSettings) -> None:
    defects = Defects(settings.defects)
    if defects.on("worker-not-started"):
        log.warning("worker not started (defect worker-not-started): jobs will wait for ever")
        threading.Event().wait()  # alive, doing nothing, as a worker that never started
    pool = open_pool(settings.database_url, max_size=settings.worker_concurrency + 4)
    with pool.connection() as conn:
        apply_defect_schema(conn, defects)  # reads only, unless a ledger defect changed
    runtime = Runtime(settings, pool, StripeGateway(make_client(settings)), defects)
    stop = threading.Event()
    name = f"worker-{socket.gethostname()}-{threading.get_native_id()}"
    threading.Thread(target=_heartbeat, args=(runtime, name, stop), daemon=True).start()
    if not defects.on("no-stalled-job-recovery"):
        threading.Thread(target=_requeue_stalled, args=(runtime, stop), daemon=True).start()
    if not defects.on("no-reconciliation"):
        threading.Thread(target=_sweep, args=(runtime, stop), daemon=True).start()
    queue = build_queue(settings, lambda: runtime)
    log.info(
        "worker %s: concurrency %d, defects: %s",
        name,
        settings.worker_concurrency,
        sorted(defects.names) or "none",
    )
    try:
        with queue.open():
            queue.run_worker(
                queues=[QUEUE],
                concurrency=settings.worker_concurrency,
                name=name,
                wait=True,
                update_heartbeat_interval=stalled_jobs.HEARTBEAT_SECONDS,
                stalled_worker_timeout=settings.job_stalled_after_seconds,
            )
    finally:
        stop.set()
        pool.close()


def _heartbeat(runtime: Runtime, name: str, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            with runtime.pool.connection() as conn:
                conn.execute(
                    "insert into worker_heartbeats (worker_name) values (%s) on conflict"
                    " (worker_name) do update set beat_at = now()",
                    (name,),
                )
        except Exception as error:  # keep beating through a database blip
            log.warning("heartbeat failed: %s", error)
        stop.wait(HEARTBEAT_SECONDS)


def _requeue_stalled(runtime: Runtime, stop: threading.Event) -> None:
    """Jobs a dead worker left running go back to the queue (``stalled_jobs``)."""
    while not stop.wait(stalled_jobs.SWEEP_SECONDS):
        try:
            with runtime.pool.connection() as conn:
                stalled_jobs.requeue_stalled_jobs(conn, runtime.settings.job_stalled_after_seconds)
        except Exception as error:  # keep sweeping through a database blip
            log.warning("stalled-job sweep failed: %s", error)


def _sweep(runtime: Runtime, stop: threading.Event) -> None:
    while not stop.wait(runtime.settings.reconcile_interval_seconds):
        try:
            reconcile(runtime)
        except Exception as error:
            log.warning("reconciliation sweep failed: %s", error)
