"""The ``ack-before-store`` defect: deliveries are answered 200 at once and written to the inbox
in batches, ``FLUSH_SECONDS`` later, by a thread of the web process (as teams do to take load off
the database on the request path). Whatever the process holds when it dies is lost, though
Stripe was told it was received and will not send it again: "acknowledged means credited"
breaks, and only reconciliation can find the payment."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("reference_app.webhooks")
# how long an acknowledged event waits in memory (WEBHOOK_BATCH_SECONDS, for the defect's tests)
FLUSH_SECONDS = float(os.environ.get("WEBHOOK_BATCH_SECONDS", "1.0"))


class BatchedInbox:
    def __init__(self, write: Callable[[dict[str, Any]], object]) -> None:
        self._write = write
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._flush_for_ever, daemon=True).start()

    def add(self, payload: dict[str, Any]) -> None:
        with self._lock:
            self._pending.append(payload)

    def _flush_for_ever(self) -> None:
        while not threading.Event().wait(FLUSH_SECONDS):
            with self._lock:
                batch, self._pending = self._pending, []
            for payload in batch:
                try:
                    self._write(payload)
                except Exception as error:  # the batch goes on; this event is lost
                    log.warning("batched write of %s failed: %s", payload.get("id"), error)
