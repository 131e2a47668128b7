"""Fault rules as data: parsing, matching, ``times`` and seeded probability, without a server."""

from __future__ import annotations

import random
from typing import Any

import pytest

from fake_stripe.objects.events import Event, WebhookEndpoint
from fake_stripe.webhooks.faults import (
    ACTIONS,
    BEFORE_FIRST_ATTEMPT,
    ON_EVERY_ATTEMPT,
    ONCE_PER_EVENT,
    FaultBook,
    FaultMatch,
    FaultSpecError,
    draw,
    parse_rule,
)

ENDPOINT = WebhookEndpoint("we_1", "http://127.0.0.1:1/hook", 0, ["*"], ["whsec_1"])
OTHER_ENDPOINT = WebhookEndpoint("we_2", "http://127.0.0.1:2/hook", 0, ["*"], ["whsec_2"])


def event(event_id: str = "evt_1", event_type: str = "checkout.session.completed") -> Event:
    return Event(event_id, event_type, 0, {"id": "cs_test_a", "object": "checkout.session"})


def test_every_action_belongs_to_exactly_one_phase() -> None:
    phases = [ONCE_PER_EVENT, BEFORE_FIRST_ATTEMPT, ON_EVERY_ATTEMPT]
    assert sorted(ACTIONS) == sorted(a for phase in phases for a in phase)
    assert set(ACTIONS) >= {
        "drop",
        "fail",
        "duplicate",
        "reissue",
        "delay",
        "hold",
        "reorder",
        "corrupt_signature",
        "stale_timestamp",
        "wrong_secret",
    }


@pytest.mark.parametrize(
    ("spec", "params"),
    [
        ({"action": "drop"}, {}),
        ({"action": "fail"}, {"status": 500, "timeout": False}),
        ({"action": "fail", "params": {"status": 302}}, {"status": 302, "timeout": False}),
        ({"action": "fail", "params": {"timeout": True}}, {"status": 500, "timeout": True}),
        ({"action": "duplicate"}, {"count": 1, "concurrent": False}),
        ({"action": "delay", "params": {"seconds": 1.5}}, {"seconds": 1.5}),
        (
            {"action": "reorder", "params": {"after": "charge.succeeded"}},
            {"after": "charge.succeeded"},
        ),
        ({"action": "stale_timestamp"}, {"age_seconds": 600}),
        ({"action": "hold"}, {}),
        ({"action": "reissue"}, {}),
        ({"action": "corrupt_signature"}, {}),
        ({"action": "wrong_secret"}, {}),
    ],
)
def test_a_rule_gets_its_defaults_and_reads_back_as_the_same_data(
    spec: dict[str, Any], params: dict[str, Any]
) -> None:
    rule = parse_rule({**spec, "times": 2, "match": {"event_type": "charge.*"}}, "fault_9")
    assert rule.params == params
    assert rule.to_json() == {
        "id": "fault_9",
        "action": spec["action"],
        "match": {"event_type": "charge.*", "object_id": None, "endpoint": None},
        "times": 2,
        "params": params,
        "probability": None,
        "applied": 0,
        "remaining": 2,
    }


@pytest.mark.parametrize("event_type", ["*", "checkout.session.*", "checkout.session.expired"])
def test_a_rule_matches_any_event_a_type_or_a_family_of_types(event_type: str) -> None:
    rule = parse_rule({"action": "drop", "match": {"event_type": event_type}}, "fault_1")

    assert rule.match.event_type == event_type


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ([], "a fault rule is a JSON object"),
        ({"action": "explode"}, "action must be one of"),
        ({}, "action must be one of"),
        ({"action": "drop", "when": "now"}, "unknown field"),
        ({"action": "drop", "match": "all"}, "match must be an object"),
        ({"action": "drop", "match": {"type": "x"}}, "unknown field(s) in match"),
        ({"action": "drop", "match": {"object_id": 5}}, "match.object_id must be a string"),
        ({"action": "drop", "times": 0}, "times must be a positive whole number"),
        ({"action": "drop", "times": 1.5}, "times must be a positive whole number"),
        ({"action": "drop", "times": True}, "times must be a positive whole number"),
        ({"action": "drop", "probability": 1.5}, "probability must be a number from 0 to 1"),
        ({"action": "drop", "probability": "0.5"}, "probability must be a number from 0 to 1"),
        ({"action": "drop", "probability": float("nan")}, "probability must be"),
        ({"action": "drop", "params": []}, "params must be an object"),
        ({"action": "drop", "params": {"seconds": 1}}, "drop takes no param(s) seconds"),
        ({"action": "fail", "params": {"status": 200}}, "outside 2xx"),
        ({"action": "fail", "params": {"status": 99}}, "from 100 to 599"),
        ({"action": "fail", "params": {"status": "500"}}, "params.status of fail has the wrong"),
        ({"action": "fail", "params": {"timeout": 1}}, "params.timeout of fail has the wrong"),
        ({"action": "duplicate", "params": {"count": 0}}, "count of duplicate must be from 1"),
        ({"action": "duplicate", "params": {"count": True}}, "wrong type"),
        ({"action": "delay"}, "delay needs params.seconds"),
        ({"action": "delay", "params": {"seconds": -5}}, "seconds of delay must be more than 0"),
        ({"action": "delay", "params": {"seconds": 8.64e15}}, "and at most 3.16224e+08"),
        ({"action": "delay", "params": {"seconds": float("inf")}}, "finite"),
        ({"action": "delay", "params": {"seconds": 10**400}}, "finite"),  # float() overflows
        ({"action": "reorder"}, "reorder needs params.after"),
        ({"action": "stale_timestamp", "params": {"age_seconds": 0}}, "must be more than 0"),
        ({"action": "stale_timestamp", "params": {"age_seconds": 1e12}}, "at most 3.16224e+08"),
        (
            {"action": "drop", "match": {"event_type": "checkout.session.complete"}},
            "match.event_type 'checkout.session.complete' is not an event type Stripe sends;"
            " did you mean checkout.session.completed",
        ),
        ({"action": "drop", "match": {"event_type": "nonsense.*"}}, "'nonsense.*' is not an"),
        ({"action": "drop", "match": {"event_type": "x" * 200_000}}, "is not an event type"),
        (
            {"action": "reorder", "params": {"after": "checkout.*"}},
            "params.after of reorder 'checkout.*' is not an event type Stripe sends",
        ),
        ({"action": "stale_timestamp", "params": {"age_seconds": float("inf")}}, "finite"),
        ({"action": "stale_timestamp", "params": {"age_seconds": -(10**400)}}, "finite"),
    ],
)
def test_a_rule_that_cannot_be_understood_is_refused_with_a_reason(spec: Any, message: str) -> None:
    with pytest.raises(FaultSpecError) as refused:
        parse_rule(spec, "fault_1")
    assert message in str(refused.value)


@pytest.mark.parametrize(
    ("match", "event_type", "endpoint", "expected"),
    [
        (FaultMatch(), "charge.succeeded", ENDPOINT, True),
        (FaultMatch(event_type="*"), "charge.succeeded", ENDPOINT, True),
        (FaultMatch(event_type="charge.succeeded"), "charge.succeeded", ENDPOINT, True),
        (FaultMatch(event_type="charge.succeeded"), "charge.failed", ENDPOINT, False),
        (FaultMatch(event_type="checkout.session.*"), "checkout.session.expired", ENDPOINT, True),
        (FaultMatch(event_type="checkout.session.*"), "checkout.sessions", ENDPOINT, False),
        (FaultMatch(event_type="checkout.*"), "charge.succeeded", ENDPOINT, False),
        (FaultMatch(object_id="cs_test_a"), "charge.succeeded", ENDPOINT, True),
        (FaultMatch(object_id="cs_test_b"), "charge.succeeded", ENDPOINT, False),
        (FaultMatch(endpoint="we_1"), "charge.succeeded", ENDPOINT, True),
        (FaultMatch(endpoint=ENDPOINT.url), "charge.succeeded", ENDPOINT, True),
        (FaultMatch(endpoint="we_1"), "charge.succeeded", OTHER_ENDPOINT, False),
    ],
)
def test_a_match_narrows_by_event_type_object_and_endpoint(
    match: FaultMatch, event_type: str, endpoint: WebhookEndpoint, expected: bool
) -> None:
    assert match.matches(event("evt_1", event_type), endpoint) is expected


def test_take_returns_only_the_rules_of_the_phase_and_counts_each_use() -> None:
    book = FaultBook(seed=1)
    book.add({"action": "delay", "params": {"seconds": 5}, "times": None})
    fail = book.add({"action": "fail", "times": 2})
    book.add({"action": "drop", "match": {"event_type": "charge.succeeded"}})

    taken = [book.take(ON_EVERY_ATTEMPT, event(), ENDPOINT, n) for n in (1, 2, 3)]

    assert [[rule.action for rule in rules] for rules in taken] == [["fail"], ["fail"], []]
    assert fail.exhausted
    assert fail.to_json()["remaining"] == 0
    assert book.injected == {"fail": 2}
    assert [r.action for r in book.take(BEFORE_FIRST_ATTEMPT, event(), ENDPOINT, 1)] == ["delay"]


def test_rule_ids_are_sequential_and_clear_empties_the_book() -> None:
    book = FaultBook(seed=1)
    assert [book.add({"action": "drop"}).id for _ in range(3)] == ["fault_1", "fault_2", "fault_3"]
    assert book.remove("fault_2") is not None
    assert book.remove("fault_2") is None
    book.take(ON_EVERY_ATTEMPT, event(), ENDPOINT, 1)
    book.clear()
    assert (book.rules, book.injected) == ({}, {})
    assert book.add({"action": "drop"}).id == "fault_1"


def decisions(seed: int, event_ids: list[str], probability: float) -> dict[tuple[str, int], bool]:
    """Which (event, attempt) a probabilistic drop hits, taking them in the order given."""
    book = FaultBook(seed=seed)
    book.add({"action": "drop", "times": None, "probability": probability})
    return {
        (event_id, attempt): bool(book.take(ON_EVERY_ATTEMPT, event(event_id), ENDPOINT, attempt))
        for event_id in event_ids
        for attempt in (1, 2, 3)
    }


def test_the_same_seed_gives_the_same_faults_whatever_order_deliveries_come_in() -> None:
    event_ids = [f"evt_{n:04d}" for n in range(300)]
    shuffled = list(event_ids)
    random.Random(5).shuffle(shuffled)

    in_order = decisions(42, event_ids, 0.3)

    assert decisions(42, shuffled, 0.3) == in_order
    assert decisions(42, list(reversed(event_ids)), 0.3) == in_order
    assert decisions(43, event_ids, 0.3) != in_order
    hit_rate = sum(in_order.values()) / len(in_order)
    assert 0.24 < hit_rate < 0.36


def test_a_decision_depends_on_the_attempt_too_and_on_nothing_shared() -> None:
    draws = {draw(7, "fault_1", "evt_a", attempt) for attempt in range(1, 6)}
    assert len(draws) == 5
    assert all(0 <= value < 1 for value in draws)
    assert draw(7, "fault_1", "evt_a", 1) == draw(7, "fault_1", "evt_a", 1)
    assert draw(7, "fault_1", "evt_a", 1) != draw(7, "fault_2", "evt_a", 1)


@pytest.mark.parametrize(("probability", "expected"), [(0.0, False), (1.0, True)])
def test_probability_zero_never_applies_and_one_always_does(
    probability: float, expected: bool
) -> None:
    assert set(decisions(3, [f"evt_{n}" for n in range(50)], probability).values()) == {expected}


def test_times_bounds_a_probabilistic_rule_to_its_first_hits() -> None:
    book = FaultBook(seed=9)
    rule = book.add({"action": "drop", "times": 3, "probability": 0.5})
    hits = [
        event_id
        for event_id in (f"evt_{n}" for n in range(100))
        if book.take(ON_EVERY_ATTEMPT, event(event_id), ENDPOINT, 1)
    ]
    assert len(hits) == 3
    assert rule.applied == 3


def session_event(session_id: str, event_id: str = "evt_1") -> Event:
    return Event(event_id, "checkout.session.completed", 0, {"id": session_id, "object": "x"})


def test_rules_for_one_object_apply_to_it_alone_and_in_the_order_added() -> None:
    book = FaultBook(seed=1)
    general = book.add({"action": "fail", "times": None})
    mine = book.add({"action": "fail", "match": {"object_id": "cs_mine"}, "times": None})
    later = book.add({"action": "fail", "times": None})
    book.add({"action": "fail", "match": {"object_id": "cs_other"}, "times": None})

    assert book.take(("fail",), session_event("cs_mine"), ENDPOINT, 1) == [general, mine, later]
    assert book.take(("fail",), session_event("cs_none"), ENDPOINT, 1) == [general, later]


def test_a_removed_or_cleared_rule_for_one_object_no_longer_applies() -> None:
    book = FaultBook(seed=1)
    first = book.add({"action": "drop", "match": {"object_id": "cs_a"}, "times": None})
    second = book.add({"action": "drop", "match": {"object_id": "cs_a"}, "times": None})
    book.remove(first.id)

    assert book.take(("drop",), session_event("cs_a"), ENDPOINT, 1) == [second]
    book.clear()
    assert book.take(("drop",), session_event("cs_a"), ENDPOINT, 1) == []
    assert book.rules == {}
