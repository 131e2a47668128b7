"""The parts of the webhook sentences that need no stack: durations in words, and how the
delivery log names an attempt's answer."""

from __future__ import annotations

import pytest

from fake_stripe.client import DeliveryAttempt
from harness.drivers.webhook_faults import DROPPED, NO_ANSWER, LoggedAttempt
from harness.durations import parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1 second", 1),
        ("90 seconds", 90),
        ("5 minutes", 300),
        ("1 hour", 3600),
        ("3 hours", 10800),
        ("2 days", 172800),
    ],
)
def test_durations_in_words_are_seconds(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["3", "three hours", "3 weeks", "-1 hour", "1.5 hours", ""])
def test_what_is_not_a_duration_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def _attempt(status: int | None, error: str | None, faults: list[str]) -> DeliveryAttempt:
    return DeliveryAttempt(
        delivery_id="dlv_1",
        event_id="evt_1",
        event_type="checkout.session.completed",
        object_id="cs_test_1",
        endpoint_id="we_1",
        endpoint_url="http://127.0.0.1:1/api/webhooks/stripe",
        attempt=1,
        copy=0,
        scheduled_at=0.0,
        sent_at=0.0,
        status_code=status,
        error=error,
        duration_ms=None,
        faults=faults,
        succeeded=status is not None and 200 <= status < 300,
    )


@pytest.mark.parametrize(
    ("status", "error", "faults", "answer"),
    [
        (200, None, [], "200"),
        (500, None, ["fail"], "500"),
        (None, "timed out after 5 s (fault)", ["fail"], NO_ANSWER),
        (None, "connection failed: ConnectError", [], NO_ANSWER),
        (None, "dropped by fault: never delivered, never retried", ["drop"], DROPPED),
    ],
)
def test_the_delivery_log_names_each_answer(
    status: int | None, error: str | None, faults: list[str], answer: str
) -> None:
    assert LoggedAttempt.of(_attempt(status, error, faults)).answer == answer
