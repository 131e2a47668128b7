"""Judging one top-up's evidence, stage by stage: the bug report's investigation checklist done
by the machine. Pure: ``judge(evidence)`` reads only the ``TopupEvidence`` it is given, never
how the app is configured.

Stages, in the order the money travels (the keys are a contract; tables refer to them):
``session`` -> ``payment`` -> ``event`` -> ``delivery`` -> ``signature`` -> ``queue`` -> ``job``
-> ``rescue`` -> ``ledger`` -> ``balance`` -> ``screen``. The webhook's stages stop at the first
broken (the rest are "not reached") or injected one (the rest are "skipped"); the rescue, the
ledger, the balance and the screen are judged whatever happened before them.
"""

from __future__ import annotations

from collections.abc import Callable

from harness.diagnosis import api_fault_checks, outcome_checks, webhook_checks
from harness.diagnosis.evidence import TopupEvidence
from harness.diagnosis.trace import (
    BROKEN,
    INJECTED,
    NOT_REACHED,
    OK,
    SKIPPED,
    STAGE_KEYS,
    TITLES,
    Stage,
    TopupTrace,
    make_stage,
    money,
    not_observable,
    short,
)

__all__ = [
    "BROKEN",
    "INJECTED",
    "NOT_REACHED",
    "OK",
    "SKIPPED",
    "STAGE_KEYS",
    "TITLES",
    "Stage",
    "TopupTrace",
    "judge",
]

COMPLETED = "checkout.session.completed"
ASYNC_SUCCEEDED = "checkout.session.async_payment_succeeded"
FULFILS = (COMPLETED, ASYNC_SUCCEEDED)
PAID = ("paid", "no_payment_required")
WEBHOOK_CHAIN: tuple[tuple[str, Callable[[TopupEvidence, list[str]], Stage]], ...] = (
    ("delivery", webhook_checks.delivery),
    ("signature", webhook_checks.signature),
    ("queue", webhook_checks.queue),
    ("job", webhook_checks.job),
)


def judge(ev: TopupEvidence) -> TopupTrace:
    stages = [_session(ev), _payment(ev)]
    if not _paid(ev):
        why = "not paid: nothing to credit"
        before_ledger = ("event", *(key for key, _ in WEBHOOK_CHAIN), "rescue")
        stages += [make_stage(key, SKIPPED, why) for key in before_ledger]
        stages.append(outcome_checks.ledger_unpaid(ev))
    else:
        paying = _paying_events(ev)
        stages.append(_event(ev, paying))
        stopped: Stage | None = stages[-1] if stages[-1].status == BROKEN else None
        for key, check in WEBHOOK_CHAIN:
            if stopped is None:
                stages.append(check(ev, paying))
                if stages[-1].status in (BROKEN, INJECTED):
                    stopped = stages[-1]
            elif stopped.status == INJECTED:
                stages.append(make_stage(key, SKIPPED, f"skipped: {_on_purpose(stopped)}"))
            else:
                stages.append(make_stage(key, NOT_REACHED, f"not reached ({stopped.key} broke)"))
        if webhook_checks.names_no_org(ev):
            stages += outcome_checks.nobody_to_credit(ev)
        else:
            rescued = outcome_checks.rescue(ev, stopped)
            stages += [rescued, outcome_checks.ledger_paid(ev, stopped, rescued)]
    stages += [outcome_checks.balance(ev), outcome_checks.screen(ev)]
    stages = api_fault_checks.annotate(ev, stages)
    return TopupTrace(ev.session_id, ev.email, ev.amount_pence, tuple(stages), ev.unavailable)


def _on_purpose(stopped: Stage) -> str:
    """Why the webhook's way ended early, when the scenario ended it."""
    if stopped.key == "queue":
        return webhook_checks.STOPPED_ON_PURPOSE
    return "the webhook was lost to injected faults"


def _session(ev: TopupEvidence) -> Stage:
    session = ev.stripe_session
    if session is None:
        why = ev.unavailable.get("stripe session", "not found")
        return make_stage("session", BROKEN, f"Stripe has no Checkout Session: {why}")
    amount = money(session.amount_total)
    if webhook_checks.names_no_org(ev):
        return make_stage(
            "session",
            OK,
            f"created at Stripe outside the app, {amount}, naming no organisation: not a wallet"
            " top-up, so nothing to credit; the app must keep its event as a visible failure",
        )
    if not session.client_reference_id:
        return make_stage(
            "session",
            BROKEN,
            f"created at Stripe, {amount}, but it names no organisation (client_reference_id"
            " is empty): nothing can tell whose wallet to credit",
        )
    seen = ev.topup is not None or not_observable(ev, "topups")
    app = "" if seen else "; the app has no record of the top-up"
    org = short(session.client_reference_id)
    return make_stage("session", OK, f"created at Stripe, {amount}, org {org}{app}")


def _paid(ev: TopupEvidence) -> bool:
    """What Stripe says; when Stripe could not be asked, every stage is judged anyway."""
    session = ev.stripe_session
    return session is None or session.payment_status is None or session.payment_status in PAID


def _payment(ev: TopupEvidence) -> Stage:
    session = ev.stripe_session
    if session is None:
        return make_stage("payment", SKIPPED, "unknown: Stripe's session could not be read")
    if session.payment_status in PAID:
        intent = session.payment_intent or "no PaymentIntent"
        return make_stage("payment", OK, f"{session.payment_status} ({intent})")
    return make_stage(
        "payment",
        OK,
        f"not paid (payment_status {session.payment_status}, session {session.status}):"
        " nothing to credit",
    )


def _paying_events(ev: TopupEvidence) -> list[str]:
    """The events that tell the app the session is paid: ``completed`` carrying a paid session,
    or ``async_payment_succeeded``. From Stripe's event list, else from what was delivered."""
    listed = [e.id for e in ev.events if e.type in FULFILS and e.payment_status in PAID]
    if listed:
        return listed
    known: dict[str, str] = {e.id: e.type for e in ev.events}
    known |= {a.event_id: a.event_type for a in ev.attempts}
    known |= {p.event_id: p.event_type for p in ev.pending}
    known |= {e.event_id: e.event_type for e in ev.inbox}
    asyncs = [eid for eid, kind in known.items() if kind == ASYNC_SUCCEEDED]
    return asyncs or [eid for eid, kind in known.items() if kind == COMPLETED]


def _event(ev: TopupEvidence, paying: list[str]) -> Stage:
    if not paying:
        why = ev.unavailable.get("stripe events")
        if why:
            return make_stage(
                "event", SKIPPED, f"unknown: Stripe's events could not be read: {why}"
            )
        listed = ", ".join(f"{e.type} {e.id}" for e in ev.events) or "none"
        return make_stage(
            "event", BROKEN, f"the session is paid but no event says so (events: {listed})"
        )
    kinds = {e.id: e.type for e in ev.events} | {a.event_id: a.event_type for a in ev.attempts}
    return make_stage("event", OK, ", ".join(f"{kinds.get(eid, '?')} {eid}" for eid in paying))
