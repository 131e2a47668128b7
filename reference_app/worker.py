"""``python -m reference_app worker``: runs the queued jobs, beats a heartbeat, queues again the
jobs a dead worker left running (``stalled_jobs``), and sweeps for missed webhooks every
``RECONCILE_INTERVAL_SECONDS``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import signal
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import procrastinate

from reference_app import stalled_jobs
from reference_app.db import open_pool
from reference_app.defect_schema import apply_defect_schema
from reference_app.defects import Defects
from reference_app.job_queue import QUEUE, build_queue
from reference_app.logs import configure_service_logging
from reference_app.reconcile import reconcile
from reference_app.runtime import Runtime
from reference_app.settings import AppSettings
from reference_app.stripe_gateway import StripeGateway, make_client

log = logging.getLogger("reference_app.worker")
HEARTBEAT_SECONDS = 2.0
WORKER_RESTART_PAUSE = 1.0  # seconds between a worker's stop on a lost database and its restart


def run_workers(settings: AppSettings, processes: int = 1) -> None:
    """``run_worker`` here and in ``processes - 1`` processes more, which share the queue (each
    takes its own jobs, ``for update skip locked``). They stop with this one; a signal to the
    process group (what the harness sends) reaches every one of them."""
    if processes == 1:
        run_worker(settings)
        return
    context = multiprocessing.get_context("spawn")
    others = [
        context.Process(
            target=_another_worker, args=(settings,), name=f"worker-{number}", daemon=True
        )
        for number in range(2, processes + 1)
    ]
    for other in others:
        other.start()
    try:
        run_worker(settings)
    finally:
        for other in others:
            if other.is_alive():
                other.terminate()  # SIGTERM: it finishes its running jobs, as this one did
        for other in others:
            other.join(timeout=30)


def _another_worker(settings: AppSettings) -> None:
    configure_service_logging()  # a process started afresh: it logs as this one does
    run_worker(settings)


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
    options = {
        "queues": [QUEUE],
        "concurrency": settings.worker_concurrency,
        "name": name,
        "wait": True,
        "fetch_job_polling_interval": settings.job_poll_seconds,
        "update_heartbeat_interval": stalled_jobs.HEARTBEAT_SECONDS,
        "stalled_worker_timeout": settings.job_stalled_after_seconds,
        "install_signal_handlers": False,  # _run_until_stopped's own: SIGTERM stops, not a restart
    }
    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(_run_until_stopped(queue, options))
    finally:
        stop.set()
        pool.close()


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (uvicorn picks it for the web process too);
    asyncio's own otherwise. The loop and its hand-offs to the jobs' threads were about a
    quarter of the worker's CPU in a simulation's profile (bench/README.md)."""
    try:
        import uvloop
    except ImportError:  # not built for this platform (Windows)
        return None
    return uvloop.new_event_loop


async def _run_until_stopped(queue: procrastinate.App, options: dict[str, Any]) -> None:
    """procrastinate's worker stops when its heartbeat or its listener loses the database (a
    restart cuts every connection), and raises when a fetch does: run it again, once the
    database answers, until SIGTERM or SIGINT asks to stop. A restart of the database then
    costs the worker a pause, not its life (and its jobs a wait for the stalled-job sweep)."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    # procrastinate runs a sync task in the loop's default executor, which has cpu count + 4
    # threads (6 on two cores): without one of its own size, 16 jobs "at once" were 6. Two
    # more for the loop's own uses of it (a connection's name lookup) while every job runs.
    threads = options["concurrency"] + 2
    loop.set_default_executor(ThreadPoolExecutor(threads, thread_name_prefix="job"))
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stopping.set)
    asked_to_stop = asyncio.create_task(stopping.wait())
    async with queue.open_async():
        while True:
            worker = asyncio.create_task(queue.run_worker_async(**options))
            await asyncio.wait({worker, asked_to_stop}, return_when=asyncio.FIRST_COMPLETED)
            if stopping.is_set():
                worker.cancel()  # procrastinate stops gracefully: running jobs finish first
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await worker
                return
            why = worker.exception() or "it lost the database"
            log.warning("the queue worker stopped (%s): starting it again", why)
            await asyncio.wait({asked_to_stop}, timeout=WORKER_RESTART_PAUSE)
            if stopping.is_set():
                return


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
