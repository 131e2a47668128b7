"""The counting behind ``sitecustomize.py``: Starlette's application call wrapped to count each
HTTP request before it is answered, and a thread that writes the counts out."""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

# a path segment that names one object: a Stripe id (``cs_test_a1B2...``, ``evt_...``), a UUID,
# a number
ID_SEGMENT = re.compile(
    r"[a-z]+_(?:test_)?(?=[A-Za-z0-9]*[A-Z0-9])[A-Za-z0-9]{10,}"
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[0-9]+"
)
WRITE_EVERY_SECONDS = 0.2


def shape(path: str) -> str:
    """``path`` with each segment that names one object replaced by ``{id}``."""
    return "/".join("{id}" if ID_SEGMENT.fullmatch(part) else part for part in path.split("/"))


def install(directory: str) -> None:
    """Count this process's requests (if it has Starlette) into ``directory``."""
    try:
        from starlette.applications import Starlette
    except ImportError:
        return
    counts: Counter[str] = Counter()
    lock = threading.Lock()
    answer = Starlette.__call__

    async def counted(self: Starlette, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            key = f"{scope['method']} {shape(scope['path'])}"
            with lock:
                counts[key] += 1
        await answer(self, scope, receive, send)

    Starlette.__call__ = counted  # type: ignore[method-assign]
    target = Path(directory) / f"{os.getpid()}.json"
    threading.Thread(target=_write_while_changing, args=(target, counts, lock), daemon=True).start()


def _write_while_changing(target: Path, counts: Counter[str], lock: threading.Lock) -> None:
    written: dict[str, int] = {}
    tick = threading.Event()
    while True:
        tick.wait(WRITE_EVERY_SECONDS)
        with lock:
            now = dict(counts)
        if now == written:
            continue
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps({"argv": sys.argv, "counts": now}))
        temporary.replace(target)
        written = now
