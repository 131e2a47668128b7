"""Durations as people write them, converted to seconds here and only here: the fake's clock
and its faults take seconds.

In sentences (``3 hours``, ``1 day``, ``90 seconds``): ``parse_duration``. On the command line
(``2h``, ``30m``, ``45s``, ``3d``, ``1h30m``, ``7200``): ``parse_seconds``; it also takes the
sentence form. ``describe_seconds`` writes seconds back in the short form.
"""

from __future__ import annotations

import math
import re

UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
DURATION_PATTERN = r"\d+ (?:second|minute|hour|day)s?"
_DURATION = re.compile(r"(\d+) (second|minute|hour|day)s?")
SHORT_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_SHORT = re.compile("".join(rf"(?:(\d+(?:\.\d+)?){unit})?" for unit in SHORT_UNIT_SECONDS))
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
SHORT_EXAMPLES = "2h, 30m, 45s, 3d, 1h30m or 7200"


def parse_duration(text: str) -> int:
    """``3 hours`` -> 10800; ``1 day`` -> 86400; ``10 minutes`` -> 600."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a duration like 3 hours: {text!r}")
    count, unit = match.groups()
    return int(count) * UNIT_SECONDS[unit]


def parse_seconds(text: str) -> float:
    """``2h`` -> 7200; ``30m`` -> 1800; ``1h30m`` -> 5400; ``7200`` and ``7200s`` -> 7200;
    ``1.5h`` -> 5400; ``3 hours`` -> 10800. Always more than zero seconds."""
    cleaned = text.strip().lower()
    if _NUMBER.fullmatch(cleaned):
        seconds = float(cleaned)
    elif cleaned and (short := _SHORT.fullmatch(cleaned)):
        counts = zip(short.groups(), SHORT_UNIT_SECONDS.values(), strict=True)
        seconds = sum(float(number) * size for number, size in counts if number is not None)
    elif _DURATION.fullmatch(cleaned):
        seconds = float(parse_duration(cleaned))
    else:
        raise ValueError(f"not a duration like {SHORT_EXAMPLES}: {text!r}")
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"a duration must be more than 0 seconds: {text!r}")
    return seconds


def describe_seconds(seconds: float) -> str:
    """7200 -> ``2h``; 5400 -> ``1h30m``; 90061 -> ``1d1h1m1s``; 0.5 -> ``0.5s``. From a
    minute up, to the nearest second."""
    if seconds < 0:
        return "-" + describe_seconds(-seconds)
    whole = round(seconds)
    if whole == 0 or (seconds < 60 and abs(seconds - whole) > 0.0005):
        return f"{seconds:.3g}s"
    parts = []
    for unit, size in SHORT_UNIT_SECONDS.items():
        count, whole = divmod(whole, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
