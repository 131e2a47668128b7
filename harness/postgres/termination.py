"""Make SIGTERM unwind ``with`` blocks while something of ours needs cleaning up.

Python's default SIGTERM action kills the process without running ``finally`` blocks, so a
terminated run would leave its throwaway PostgreSQL cluster behind. While at least one
``sigterm_unwinds()`` block is active, a SIGTERM raises ``TerminatedBySignal`` (a
``KeyboardInterrupt``, so pytest treats it as an interrupted session and still tears fixtures
down). The handler is installed only from the main thread and only over the default action, and
the previous handler is restored when the last block exits.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

logger = logging.getLogger("harness.postgres.termination")

_lock = threading.Lock()
_active_blocks = 0
_installed = False
_raised = False


class TerminatedBySignal(KeyboardInterrupt):
    """Raised in the main thread when SIGTERM arrives while a cluster is active."""


@contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """While active, SIGTERM raises ``TerminatedBySignal`` so context managers unwind."""
    _enter()
    try:
        yield
    finally:
        _leave()


def _enter() -> None:
    global _active_blocks, _installed, _raised
    with _lock:
        _active_blocks += 1
        if _installed or threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            return  # someone else owns SIGTERM; respect their choice
        signal.signal(signal.SIGTERM, _on_sigterm)
        _installed = True
        _raised = False


def _leave() -> None:
    global _active_blocks, _installed
    with _lock:
        _active_blocks -= 1
        if _active_blocks or not _installed:
            return
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            _installed = False
        # From another thread we cannot touch handlers; _on_sigterm falls back to the default.


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    global _installed, _raised
    if _active_blocks == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _installed = False
        os.kill(os.getpid(), signal.SIGTERM)
        return
    if _raised:
        logger.warning("SIGTERM again while cleaning up; cleanup continues")
        return
    _raised = True
    raise TerminatedBySignal(f"terminated by signal {signal.Signals(signum).name}")
