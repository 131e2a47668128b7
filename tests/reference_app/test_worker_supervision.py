"""The worker process outlives procrastinate's worker: when that stops on its own (a side task,
such as its heartbeat, lost the database in a restart) or raises (a fetch on a cut connection),
``reference_app.worker`` runs it again a moment later, and only SIGTERM or SIGINT ends the
process. procrastinate is stood in for here: no database restart makes it stop on cue."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator
from typing import Any

import pytest

from reference_app.worker import _run_until_stopped

RETURNS = "stops on its own"


class StandInQueue:
    """procrastinate's App as ``_run_until_stopped`` uses it: each run of the worker ends as
    ``ends`` says, and the run after them asks the process to stop."""

    def __init__(self, *ends: object) -> None:
        self.ends = list(ends)
        self.runs: list[dict[str, Any]] = []
        self.cancelled = False

    @contextlib.asynccontextmanager
    async def open_async(self) -> AsyncIterator[None]:
        yield

    async def run_worker_async(self, **options: Any) -> None:
        self.runs.append(options)
        if self.ends:
            end = self.ends.pop(0)
            if isinstance(end, Exception):
                raise end
            return  # stopped on its own, as after a side task's failure
        os.kill(os.getpid(), signal.SIGTERM)  # the harness stops the worker
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True  # procrastinate stops gracefully when cancelled
            raise


def test_a_worker_that_stops_or_raises_is_run_again_until_sigterm(
    caplog: pytest.LogCaptureFixture,
) -> None:
    queue = StandInQueue(RETURNS, ConnectionError("the connection was cut"))
    options = {"queues": ["stripe_events"], "install_signal_handlers": False}

    with caplog.at_level(logging.WARNING, logger="reference_app.worker"):
        asyncio.run(_run_until_stopped(queue, options))  # type: ignore[arg-type]

    assert queue.runs == [options] * 3
    assert queue.cancelled
    said = [record.getMessage() for record in caplog.records]
    assert said == [
        "the queue worker stopped (it lost the database): starting it again",
        "the queue worker stopped (the connection was cut): starting it again",
    ]
