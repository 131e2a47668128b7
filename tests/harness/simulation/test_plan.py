"""The seeded plan: the same seed gives the same histories, each history stands on its own,
the fault mix is what was asked for, and bad options say what is wrong."""

from __future__ import annotations

import pytest

from harness.simulation.plan import (
    DEFAULT_MIX,
    FAULT_KINDS,
    MAX_AMOUNT_PENCE,
    MIN_AMOUNT_PENCE,
    Fault,
    History,
    PlanError,
    history,
    make_plan,
    parse_mix,
    worker_restarts,
)

MIX = parse_mix(DEFAULT_MIX)


def test_the_same_seed_gives_the_same_histories_and_another_seed_others() -> None:
    assert make_plan(7, 10, 300, MIX) == make_plan(7, 10, 300, MIX)
    assert make_plan(7, 10, 300, MIX) != make_plan(8, 10, 300, MIX)


def test_a_history_does_not_depend_on_the_others_so_it_replays_alone() -> None:
    plan = make_plan(7, 10, 300, MIX)
    assert history(7, 123, 10, MIX, 0.5) == plan[123]


def test_the_default_mix_faults_about_three_top_ups_in_ten() -> None:
    plan = make_plan(1, 20, 10_000, MIX)
    faulted = sum(bool(h.faults) for h in plan) / len(plan)
    kinds = {fault.action for h in plan for fault in h.faults}

    assert 0.28 <= faulted <= 0.33
    assert {"drop", "duplicate", "delay", "fail", "reorder", "reissue"} <= kinds
    assert kinds & {"corrupt_signature", "stale_timestamp", "wrong_secret"}


def test_outcomes_come_in_a_realistic_mix_and_only_payers_land() -> None:
    plan = make_plan(3, 5, 5000, MIX)
    outcomes = {h.outcome for h in plan}

    assert outcomes == {
        "card",
        "declined",
        "bank_debit_settles",
        "bank_debit_fails",
        "expired",
        "abandoned",
    }
    assert sum(h.outcome == "card" for h in plan) > len(plan) / 2
    assert not any(h.lands for h in plan if h.outcome in ("declined", "expired", "abandoned"))
    assert not any(h.faults for h in plan if h.outcome == "declined")  # no webhook to fault


def test_amounts_come_from_the_whole_allowed_range_limits_and_odd_pence_included() -> None:
    amounts = [h.amount_pence for h in make_plan(1, 20, 1000, MIX)]
    assert min(amounts) == MIN_AMOUNT_PENCE
    assert max(amounts) == MAX_AMOUNT_PENCE
    assert 20 <= amounts.count(MIN_AMOUNT_PENCE) + amounts.count(MAX_AMOUNT_PENCE) <= 80
    assert sum(1 for a in amounts if a % 100) > 900  # odd pence, not a few round values
    assert len(set(amounts)) > 900
    middle = [a for a in amounts if 25_000 <= a < 75_000]
    assert 400 <= len(middle) <= 560  # about half the range holds about half the amounts


def test_no_faults_asked_none_planned() -> None:
    assert not any(h.faults for h in make_plan(1, 3, 500, {}))


def test_a_fault_becomes_a_rule_for_its_session_and_event_alone() -> None:
    fault = Fault("fail", times=2, params={"status": 503})

    assert fault.rule("cs_1", "checkout.session.completed") == {
        "action": "fail",
        "match": {"object_id": "cs_1", "event_type": "checkout.session.completed"},
        "times": 2,
        "params": {"status": 503},
    }


def test_a_simpler_history_has_one_fault_fewer_or_no_landing() -> None:
    full = History(3, 0, 5000, "card", True, (Fault("drop"), Fault("reissue")))

    assert full.simpler() == [
        History(3, 0, 5000, "card", True, (Fault("reissue"),)),
        History(3, 0, 5000, "card", True, (Fault("drop"),)),
        History(3, 0, 5000, "card", False, (Fault("drop"), Fault("reissue"))),
    ]
    assert str(full) == "#3: org 0, £50.00 card, lands on the success page; drop, reissue"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("drop", "write NAME=CHANCE"),
        ("explode=0.1", "NAME one of"),
        ("drop=lots", "is not a number"),
        ("drop=1.5", "between 0 and 1"),
    ],
)
def test_a_bad_fault_mix_is_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(PlanError, match=message):
        parse_mix(text)


def test_every_fault_kind_can_be_asked_for() -> None:
    assert set(parse_mix(",".join(f"{kind}=0.1" for kind in FAULT_KINDS))) == set(FAULT_KINDS)


def test_worker_restarts_are_spread_through_the_run() -> None:
    assert worker_restarts(1000, 3) == {250, 500, 750}
    assert worker_restarts(10, 0) == set()
    with pytest.raises(PlanError):
        make_plan(1, 0, 10, MIX)
