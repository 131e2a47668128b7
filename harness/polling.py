"""Waiting on another process's work: the web app, the worker, a postmaster.

Those run in real time in their own processes, so there is no event to await in this one; a
bounded poll is the honest wait. Nothing here waits for simulated time: that is the fake's
clock and settle endpoint. This is the harness's one poll: the stack's readiness checks, the
reset's drain, a postmaster's exit and the scenario's quiet all wait through it.

Why not tenacity: it retries a call that raises, and its "retry while the result is falsy,
then hand back the last result" takes a stop, a wait, a retry predicate and an error callback
to say; the ten lines below say it plainly, and let ``check`` raise to stop at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def poll_until(check: Callable[[], T], *, timeout: float, interval: float = 0.05) -> T:
    """Call ``check`` until it returns something truthy or ``timeout`` seconds pass; return the
    last value. ``check`` may raise to stop early (e.g. the process it waits on has died)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
