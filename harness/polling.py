"""Waiting on another process's work: the web app, the worker, a postmaster.

Those run in real time in their own processes, so there is no event to await in this one; a
bounded poll is the honest wait. Nothing here waits for simulated time: that is the fake's
clock and settle endpoint.
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
