"""``Stripe-Signature`` and the retry schedules on their own, checked against the official SDK."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time

import pytest
import stripe

from fake_stripe.webhooks.schedule import HOUR, LIVE_MODE, TEST_MODE, RetrySchedule, parse_schedule
from fake_stripe.webhooks.signing import sign, signature_header

PAYLOAD = json.dumps(
    {
        "id": "evt_1",
        "object": "event",
        "type": "checkout.session.completed",
        "data": {"object": {}},
    },
    indent=2,
).encode()
SECRET = "whsec_current"
OLD_SECRET = "whsec_previous"


def verify(header: str, secret: str, payload: bytes = PAYLOAD) -> stripe.Event:
    return stripe.Webhook.construct_event(payload, header, secret, tolerance=300)


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1700000000." + PAYLOAD, hashlib.sha256).hexdigest()
    assert sign(PAYLOAD, SECRET, 1700000000) == expected
    assert signature_header(PAYLOAD, [SECRET], 1700000000) == f"t=1700000000,v1={expected}"


def test_construct_event_accepts_a_fresh_signature() -> None:
    event = verify(signature_header(PAYLOAD, [SECRET], int(time.time())), SECRET)
    assert (event.id, event.type) == ("evt_1", "checkout.session.completed")


def test_during_a_rotation_there_is_one_v1_per_secret_and_either_secret_verifies() -> None:
    header = signature_header(PAYLOAD, [SECRET, OLD_SECRET], int(time.time()))
    assert [part.split("=")[0] for part in header.split(",")] == ["t", "v1", "v1"]
    assert verify(header, SECRET).id == "evt_1"
    assert verify(header, OLD_SECRET).id == "evt_1"


@pytest.mark.parametrize(
    ("header_of", "secret", "payload", "error"),
    [
        (
            lambda now: signature_header(PAYLOAD, [SECRET], now - 301),
            SECRET,
            PAYLOAD,
            "Timestamp outside the tolerance zone",
        ),
        (
            lambda now: signature_header(PAYLOAD, ["whsec_other"], now),
            SECRET,
            PAYLOAD,
            "No signatures found matching",
        ),
        (
            lambda now: signature_header(PAYLOAD, [SECRET], now),
            SECRET,
            PAYLOAD.replace(b"evt_1", b"evt_2"),  # a re-serialised or edited body
            "No signatures found matching",
        ),
        (lambda now: f"t={now}", SECRET, PAYLOAD, "No signatures found with expected scheme"),
    ],
    ids=["stale", "wrong-secret", "edited-body", "no-v1"],
)
def test_construct_event_refuses_what_a_fault_or_a_bug_produces(
    header_of: object, secret: str, payload: bytes, error: str
) -> None:
    assert callable(header_of)
    with pytest.raises(stripe.SignatureVerificationError, match=error):
        verify(header_of(int(time.time())), secret, payload)


def test_the_test_mode_schedule_retries_three_times_over_a_few_hours() -> None:
    assert TEST_MODE.max_attempts == 4
    assert [TEST_MODE.delay_after(n) for n in (1, 2, 3, 4)] == [300, 1800, 7200, None]
    assert 2 * HOUR <= sum(TEST_MODE.delays) <= 4 * HOUR


def test_the_live_schedule_backs_off_exponentially_for_up_to_three_days() -> None:
    delays = LIVE_MODE.delays
    assert all(later >= earlier for earlier, later in itertools.pairwise(delays))
    assert delays[1] / delays[0] >= 2
    assert 2.5 * 24 * HOUR <= sum(delays) <= 3 * 24 * HOUR
    assert LIVE_MODE.delay_after(LIVE_MODE.max_attempts) is None


def test_a_schedule_is_data_parsed_from_a_name_or_seconds() -> None:
    assert parse_schedule("test") is TEST_MODE
    assert parse_schedule("live") is LIVE_MODE
    custom = parse_schedule("60, 120")
    assert custom == RetrySchedule("custom", (60.0, 120.0))
    assert custom.to_json() == {"name": "custom", "delays": [60.0, 120.0], "max_attempts": 3}


# nan, inf and 1e30 were taken: a retry that never falls due; "" was a schedule of no retries
@pytest.mark.parametrize(
    "text", ["often", "60,-5", "0", "60,abc", "nan", "60,inf", "1e30", "", " , "]
)
def test_a_schedule_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="retry"):
        parse_schedule(text)
