"""The worker process outlives procrastinate's worker: when that stops on its own (a side task,
such as its heartbeat, lost the database in a restart) or raises (a fetch on a cut connection),
``reference_app.worker`` runs it again a moment later, and only SIGTERM or SIGINT ends the
process. procrastinate is stood in for here (no database restart makes it stop on cue), in a
process of its own: the supervisor owns its event loop and the process's signals."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from typing import Any

import procrastinate.utils

from harness.project import find_project_root

ROOT = find_project_root()


class StandInQueue:
    """procrastinate's App as ``_run_until_stopped`` uses it: each run of the worker ends as
    ``ends`` says ("returns": stops on its own; else raises it), and the run after them asks
    the process to stop, as the harness does."""

    def __init__(self, *ends: str) -> None:
        self.ends = list(ends)

    @contextlib.asynccontextmanager
    async def open_async(self) -> AsyncIterator[None]:
        yield

    async def run_worker_async(self, **options: Any) -> None:
        print(f"run {options['queues']}", flush=True)
        if self.ends:
            end = self.ends.pop(0)
            if end != "returns":
                raise ConnectionError(end)
            return
        os.kill(os.getpid(), signal.SIGTERM)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            print("cancelled", flush=True)  # procrastinate stops gracefully when cancelled
            raise


def supervise() -> None:
    """What the child process runs."""
    from reference_app.worker import _run_until_stopped

    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stdout)
    queue = StandInQueue("returns", "the connection was cut")
    options = {"queues": ["stripe_events"], "concurrency": 1}
    asyncio.run(_run_until_stopped(queue, options))  # type: ignore[arg-type]
    print("exited", flush=True)


class BusyQueue(StandInQueue):
    """Runs ``concurrency`` sync jobs at once as procrastinate runs a sync task (its
    ``sync_to_async``: the loop's default executor), each waiting until all have started."""

    async def run_worker_async(self, **options: Any) -> None:
        together = threading.Barrier(options["concurrency"], timeout=5)

        def job() -> str:
            together.wait()
            return threading.current_thread().name

        jobs = [procrastinate.utils.sync_to_async(job) for _ in range(options["concurrency"])]
        try:
            threads = await asyncio.gather(*jobs)
            print(f"{len(set(threads))} jobs at once", flush=True)
        except threading.BrokenBarrierError:
            print("fewer jobs at once than its concurrency", flush=True)
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.Event().wait()


def run_busy(concurrency: int) -> None:
    """What the child process runs for the concurrency test."""
    from reference_app.worker import _run_until_stopped

    options = {"queues": ["stripe_events"], "concurrency": concurrency}
    asyncio.run(_run_until_stopped(BusyQueue(), options))  # type: ignore[arg-type]


def in_a_child(call: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", f"from {__name__} import *; {call}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_worker_runs_as_many_jobs_at_once_as_its_concurrency() -> None:
    """procrastinate runs a sync task in the event loop's default executor, which Python sizes
    by the CPU count (6 threads on two cores): the worker gives the loop one of its own
    concurrency, so 16 jobs at once are 16, not 6."""
    child = in_a_child("run_busy(16)")
    assert child.returncode == 0, child.stderr
    assert child.stdout.splitlines() == ["16 jobs at once"]


def test_a_worker_that_stops_or_raises_is_run_again_until_sigterm() -> None:
    child = in_a_child("supervise()")

    assert child.returncode == 0, child.stderr
    assert child.stdout.splitlines() == [
        "run ['stripe_events']",
        "the queue worker stopped (it lost the database): starting it again",
        "run ['stripe_events']",
        "the queue worker stopped (the connection was cut): starting it again",
        "run ['stripe_events']",
        "cancelled",
        "exited",
    ]
