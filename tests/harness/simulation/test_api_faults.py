"""Faults on the app's own Stripe calls in the simulation's plan: which histories get them, the
rules they become, the run-wide rules for the sweep's list, that they stay within what a correct
app gets past, that adding them leaves every history's webhook part as it was, and how the
runner tells a refusal from an answer no customer should get and starts a faulted creation
alone. Unit tests: no stack."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

from fake_stripe.api_faults import parse_api_rule
from fake_stripe.client import ApiFaultHit
from harness.drivers.wallet_api import Answer
from harness.polling import poll_until
from harness.profile.loading import load_profile
from harness.simulation.plan import (
    API_FAULT_KINDS,
    DEFAULT_MIX,
    WEBHOOK_FAULT_KINDS,
    ApiFault,
    History,
    make_plan,
    parse_mix,
    run_api_fault_rules,
)
from harness.simulation.player import Creations, Played, refusal
from harness.simulation.report import render_report
from harness.simulation.simulate import Options, Outcome, _sweep_until_complete, counts
from harness.simulation.summary import api_faults_line

MIX = parse_mix(DEFAULT_MIX)
WEBHOOK_ONLY = {kind: chance for kind, chance in MIX.items() if kind in WEBHOOK_FAULT_KINDS}


def test_the_default_mix_faults_the_stripe_calls_too() -> None:
    assert set(API_FAULT_KINDS) <= set(MIX)
    plan = make_plan(1, 20, 10_000, MIX)
    calls = Counter(fault.call for h in plan for fault in h.api_faults)

    assert 250 <= calls["create"] <= 350  # api_create=0.03 of every top-up
    assert 450 <= calls["read"] <= 620  # api_read=0.06 of those whose session is read
    assert {f.action for h in plan for f in h.api_faults} == {"error", "reset", "timeout"}
    assert any(f.params.get("processed") for h in plan for f in h.api_faults if f.call == "create")


def test_adding_api_faults_leaves_every_history_otherwise_as_it_was() -> None:
    with_api, without = make_plan(4, 10, 2000, MIX), make_plan(4, 10, 2000, WEBHOOK_ONLY)

    assert [h.__class__(**{**vars(h), "api_faults": ()}) for h in with_api] == without
    assert make_plan(4, 10, 2000, MIX) == with_api  # and the same seed, the same API faults


def test_reads_are_faulted_only_where_the_app_reads_the_session() -> None:
    plan = make_plan(2, 5, 5000, {"api_read": 0.5})

    assert not any(h.read_faults for h in plan if h.outcome == "declined")  # nobody reads it
    assert all(h.creation_fault is None for h in plan)
    assert sum(bool(h.read_faults) for h in plan if h.outcome == "card") > 1000


def test_each_read_fault_is_within_what_a_worker_with_three_tries_gets_past() -> None:
    for fault in (f for h in make_plan(5, 5, 20_000, {"api_read": 1.0}) for f in h.read_faults):
        if fault.action == "timeout":
            assert fault.times == 1
            assert fault.params["seconds"] > 5  # longer than the apps' 5 s Stripe timeout
        elif fault.action == "reset" or fault.params.get("status") == 429:
            assert 1 <= fault.times <= 2  # each may cost a try: no SDK asks again
        else:
            assert 1 <= fault.times <= 3  # the SDK asks once more on a 5xx


def test_a_creation_fault_is_a_rule_on_every_creation_and_a_read_fault_on_one_session() -> None:
    create = ApiFault("create", "error", 2, {"status": 500, "processed": True})
    read = ApiFault("read", "reset", 2)

    assert create.rule() == {
        "action": "error",
        "match": {"method": "POST", "path": "/v1/checkout/sessions"},
        "times": 2,
        "params": {"status": 500, "processed": True},
    }
    assert read.rule("cs_1") == {
        "action": "reset",
        "match": {"method": "GET", "object_id": "cs_1"},
        "times": 2,
        "params": {},
    }


def test_a_simpler_history_drops_an_api_fault_too_and_says_what_it_has() -> None:
    create, read = ApiFault("create", "error", 1, {"status": 429}), ApiFault("read", "reset")
    full = History(3, 0, 5000, "card", False, (), (create, read))

    assert [h.api_faults for h in full.simpler()] == [(read,), (create,)]
    assert str(full) == (
        "#3: org 0, £50.00 card, never lands; Stripe API create error (status=429), read reset"
    )
    plain = History(4, 0, 5000, "card", False)
    assert str(plain) == "#4: org 0, £50.00 card, never lands; no faults"


def test_the_sweeps_list_fails_by_run_wide_rules_that_let_a_sweep_run_again_complete() -> None:
    assert run_api_fault_rules({"drop": 0.1}) == []
    rules = run_api_fault_rules({"api_list": 0.01})

    assert {rule["match"]["path"] for rule in rules} == {"/v1/events"}
    assert all(rule["probability"] for rule in rules)
    # what fails a sweep outright (no SDK asks again) is capped, so reruns get through
    for rule in rules:
        if rule["action"] == "reset" or rule["params"].get("status") == 429:
            assert rule["times"] == 1
    assert parse_mix("api_list=0.01") == {"api_list": 0.01}


def test_a_refusal_is_a_502_or_503_that_says_why() -> None:
    assert refusal(Answer(502, {"error": "nothing was charged"})) == "nothing was charged"
    assert refusal(Answer(503, {"error": "try again"})) == "try again"
    assert refusal(Answer(500, {"text": "Internal Server Error"})) is None  # a bare 500
    assert refusal(Answer(502, {"text": "Bad Gateway"})) is None  # no reason given
    assert refusal(Answer(201, {"session_id": "cs_1"})) is None


def test_a_faulted_creation_runs_alone() -> None:
    """Each creation holds its gate until the test lets it go: the lone one waits for the one
    running, a later plain one waits behind the lone one, and nothing runs beside it."""
    creations = Creations()
    inside: list[str] = []
    overlaps: list[list[str]] = []
    lock = threading.Lock()
    entered = {name: threading.Event() for name in ("first", "lone", "later")}
    leave = {name: threading.Event() for name in ("first", "lone", "later")}

    def create(name: str) -> None:
        gate = creations.alone() if name == "lone" else creations.together()
        with gate:
            with lock:
                inside.append(name)
                if "lone" in inside and len(inside) > 1:
                    overlaps.append(list(inside))
            entered[name].set()
            assert leave[name].wait(timeout=10)
            with lock:
                inside.remove(name)

    threads = {name: threading.Thread(target=create, args=(name,)) for name in entered}
    threads["first"].start()
    assert entered["first"].wait(timeout=10)
    threads["lone"].start()
    assert poll_until(lambda: creations.waiting_alone() == 1, timeout=10)
    threads["later"].start()
    assert not entered["lone"].wait(timeout=0.2)  # the first one still runs
    leave["first"].set()
    assert entered["lone"].wait(timeout=10)
    assert not entered["later"].wait(timeout=0.2)  # lone ones first
    leave["lone"].set()
    assert entered["later"].wait(timeout=10)
    leave["later"].set()
    for thread in threads.values():
        thread.join(timeout=10)

    assert overlaps == []


def test_a_faulted_creation_waits_only_for_its_own_organisations_creations() -> None:
    """Where the rule names the organisation, another organisation's creation goes on beside
    the lone one, and the same organisation's waits behind it."""
    creations = Creations()
    lone_in, leave_lone = threading.Event(), threading.Event()
    same_in = threading.Event()

    def lone() -> None:
        with creations.alone("org_a"):
            lone_in.set()
            assert leave_lone.wait(timeout=10)

    def same() -> None:
        with creations.together("org_a"):
            same_in.set()

    threads = [threading.Thread(target=lone), threading.Thread(target=same)]
    threads[0].start()
    assert lone_in.wait(timeout=10)
    with creations.together("org_b"):  # another organisation: not held
        pass
    threads[1].start()
    assert not same_in.wait(timeout=0.2)  # the same organisation: held
    leave_lone.set()
    assert same_in.wait(timeout=10)
    for thread in threads:
        thread.join(timeout=10)


def test_the_figures_count_api_faults_by_call_and_answer_refusals_and_sweeps() -> None:
    def hit(
        method: str, path: str, action: str, status: int | None, processed: bool
    ) -> ApiFaultHit:
        return ApiFaultHit("api_fault_1", action, method, path, "req_1", 0.0, status, processed)

    refused = Played(History(1, 0, 500, "card", False), refused="nothing was charged")
    outcome = Outcome(
        Options(seed=1, orgs=1, topups=2, mix=MIX),
        [],
        [refused, Played(History(2, 0, 500, "card", False))],
        [],
        [],
        {},
        {},
        {},
        0,
        api_hits=[
            hit("POST", "/v1/checkout/sessions", "error", 500, True),
            hit("GET", "/v1/checkout/sessions/cs_1", "reset", None, False),
            hit("GET", "/v1/checkout/sessions/cs_1", "error", 429, False),
            hit("GET", "/v1/events", "error", 429, False),
        ],
        sweeps=[1, 0],
    )
    figures = counts(outcome)

    assert figures["api faults"] == {"create": 1, "read": 2, "list": 1}
    assert api_faults_line(figures) == (
        "create 1, list 1, read 2 (error 429 2, error 500 processed 1, reset 1)"
    )
    assert figures["refused"]["at creation"] == 1
    assert figures["sweeps"] == {"run": 2, "failed": 1}
    page = render_report(outcome, "wallet-harness simulate --seed 1")
    assert "create 1, list 1, read 2 (error 429 2, error 500 processed 1, reset 1)" in page
    assert "<tr><th>sweeps</th><td>failed 1, run 2</td></tr>" in page


def test_the_simulations_sweeps_run_with_the_profiles_reconcile_env() -> None:
    """The profile's [simulation] reconcile_env reaches every sweep the run makes, the failed
    ones run again included (both profiles here sweep 100 events a page there, 2 in [env])."""
    profile = load_profile(
        Path(__file__).resolve().parents[3] / "reference_app/wallet-harness.toml"
    )
    assert profile.app.simulation.reconcile_env == {"RECONCILE_PAGE_SIZE": "100"}
    assert profile.app.env["RECONCILE_PAGE_SIZE"] == "2"  # the scenarios' own
    runs: list[dict[str, str] | None] = []
    statuses = iter([1, 0])

    class Sweeper:
        def __init__(self) -> None:
            self.profile = profile

        def reconcile_may_fail(self, env: dict[str, str] | None = None) -> tuple[int, str]:
            runs.append(env)
            return next(statuses), ""

    sweeps: list[int] = []
    assert _sweep_until_complete(Sweeper(), sweeps) == []  # type: ignore[arg-type]
    assert sweeps == [1, 0]
    assert runs == [{"RECONCILE_PAGE_SIZE": "100"}] * 2


def test_no_rule_of_a_run_meets_the_harness_listing_stripes_sessions() -> None:
    """The harness lists Stripe's sessions while the app's sweep runs, with the run's API
    faults still on (``simulate``): no rule the plan makes may match that list's request."""
    session_id = "cs_test_listed"
    specs = run_api_fault_rules(MIX) + [
        fault.rule(session_id, {"metadata[org_id]": "org-1"})
        for history in make_plan(1, 20, 10_000, MIX)
        for fault in history.api_faults
    ]
    rules = [parse_api_rule(spec, f"rule-{n}") for n, spec in enumerate(specs)]
    actions = Counter((rule.match.method, rule.action) for rule in rules)
    assert {("GET", "error"), ("GET", "reset"), ("POST", "error")} <= set(actions)

    def met(method: str, path: str) -> int:
        return sum(rule.match.matches(method, path) for rule in rules)

    assert met("GET", "/v1/checkout/sessions") == 0  # the harness's list of every session
    assert met("GET", f"/v1/checkout/sessions/{session_id}") > 0  # the app's read of one
    assert met("GET", "/v1/events") > 0  # the sweep's list
