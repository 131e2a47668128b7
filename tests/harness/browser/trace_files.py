"""What a Playwright trace file holds, for the tests of the harness's browser traces: how many
entries of each kind (``before``, ``after``, ``log``, ``console``, ``frame-snapshot``, ...),
with the network's requests counted as ``network``."""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from pathlib import Path


def trace_kinds(path: Path) -> Counter[str]:
    kinds: Counter[str] = Counter()
    with zipfile.ZipFile(path) as trace:
        names = trace.namelist()
        for name in (n for n in names if n.endswith(".trace")):
            for line in trace.read(name).decode().splitlines():
                kinds[json.loads(line).get("type", "?")] += 1
        for name in (n for n in names if n.endswith(".network")):
            kinds["network"] += len(trace.read(name).decode().splitlines())
    return kinds
