"""When a failed delivery is tried again.

Stripe does not publish its intervals: test mode retries three times over a few hours, live mode
for up to three days with exponential backoff. These schedules model that; both are data, and
``--retry-schedule 60,300,900`` (or ``Settings(retry_schedule=parse_schedule("60,300,900"))``)
replaces them. Each delay counts from the start of the failed attempt, on the fake clock, so the
delivery log shows ``scheduled_at`` of attempt n+1 = ``sent_at`` of attempt n + delay n.

| schedule | retries after attempt 1, 2, ... | last try after the first |
| --- | --- | --- |
| test | 5 min, 30 min, 2 h | 2 h 35 min |
| live | 5 min, 30 min, 1 h, 2 h, 4 h, then 8 h x 8 | 71 h 35 min (about 3 days) |
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fake_stripe.clock import MAX_SECONDS

MINUTE = 60
HOUR = 60 * MINUTE


@dataclass(frozen=True)
class RetrySchedule:
    name: str
    delays: tuple[float, ...]  # seconds after failed attempt 1, 2, ...

    def delay_after(self, attempt: int) -> float | None:
        """Seconds until the next try after ``attempt`` failed; None when retries are over."""
        return self.delays[attempt - 1] if attempt <= len(self.delays) else None

    @property
    def max_attempts(self) -> int:
        return len(self.delays) + 1

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "delays": list(self.delays), "max_attempts": self.max_attempts}


# three retries over about two and a half hours
TEST_MODE = RetrySchedule("test", (5 * MINUTE, 30 * MINUTE, 2 * HOUR))
# exponential up to 8 hours apart, the last try about three days after the first
LIVE_MODE = RetrySchedule(
    "live",
    (5 * MINUTE, 30 * MINUTE, 1 * HOUR, 2 * HOUR, 4 * HOUR) + (8 * HOUR,) * 8,
)
SCHEDULES = {"test": TEST_MODE, "live": LIVE_MODE}


def parse_schedule(text: str) -> RetrySchedule:
    """``test``, ``live``, or comma-separated seconds such as ``60,300,900``."""
    if text in SCHEDULES:
        return SCHEDULES[text]
    try:
        delays = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ValueError(
            f"retry schedule must be test, live or seconds like 60,300,900; got {text!r}"
        ) from None
    if not delays:
        raise ValueError("a retry schedule needs at least one delay, like 60,300,900")
    # nan or inf would never fall due on the clock, and past ten years the clock cannot go
    if not all(math.isfinite(delay) and 0 < delay <= MAX_SECONDS for delay in delays):
        raise ValueError(f"retry delays must be positive seconds, at most {MAX_SECONDS:g}")
    return RetrySchedule("custom", delays)
