"""Durations in sentences, written as people say them (``3 hours``, ``1 day``, ``90 seconds``),
converted to seconds here and only here: the fake's clock and its faults take seconds."""

from __future__ import annotations

import re

UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
DURATION_PATTERN = r"\d+ (?:second|minute|hour|day)s?"
_DURATION = re.compile(r"(\d+) (second|minute|hour|day)s?")


def parse_duration(text: str) -> int:
    """``3 hours`` -> 10800; ``1 day`` -> 86400; ``10 minutes`` -> 600."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a duration like 3 hours: {text!r}")
    count, unit = match.groups()
    return int(count) * UNIT_SECONDS[unit]
