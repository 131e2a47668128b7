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
from collections.abc import AsyncIterator
from typing import Any

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
    asyncio.run(_run_until_stopped(queue, {"queues": ["stripe_events"]}))  # type: ignore[arg-type]
    print("exited", flush=True)


def test_a_worker_that_stops_or_raises_is_run_again_until_sigterm() -> None:
    child = subprocess.run(
        [sys.executable, "-c", f"from {__name__} import supervise; supervise()"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

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
