"""The outcome stages of a top-up: ``rescue`` (when the webhook did not credit it, did the
landing page or the reconciliation sweep?), ``ledger`` (exactly one right row for a paid
session, none for an unpaid one), ``balance`` (the ledger's invariants for the organisation)
and ``screen`` (what the customer's open tab shows against the database).

These are judged even after an earlier stage broke, when they can be checked on their own.
"""

from __future__ import annotations

from harness.diagnosis.evidence import TopupEvidence
from harness.diagnosis.trace import (
    BROKEN,
    INJECTED,
    NOT_REACHED,
    OK,
    SKIPPED,
    Stage,
    count,
    log_evidence,
    make_stage,
    money,
    not_observable,
    short,
)

ASYNC_FAILED = "checkout.session.async_payment_failed"
ASYNC_SUCCEEDED = "checkout.session.async_payment_succeeded"
_PATHS = {"webhook": "the webhook", "landing": "the landing page", "reconcile": "reconciliation"}


def rescue(ev: TopupEvidence, stopped: Stage | None) -> Stage:
    topup = ev.topup
    credited = topup is not None and topup.status == "credited"
    by = topup.fulfilled_by if topup is not None else None
    lost = stopped is not None and stopped.status == INJECTED
    evidence = [*log_evidence(ev, "web", ev.session_id, "landing"), *ev.landing_loads[:2]]
    hidden = not_observable(ev, "topups")
    if hidden and ev.ledger_rows:  # credited, as the ledger shows; by which path is not seen
        return make_stage("rescue", SKIPPED, f"credited; which path did it is {hidden}", evidence)
    if credited and by == "webhook":
        return make_stage("rescue", SKIPPED, "not needed: the webhook credited it")
    if credited:
        why = ""
        if lost and stopped is not None:
            why = (
                " while the scenario had the worker stopped"
                if stopped.key == "queue"
                else " after the webhook was lost to injected faults"
            )
        return make_stage(
            "rescue", OK, f"credited by {_PATHS.get(by or '', by or '?')}{why}", evidence
        )
    tried = []
    waiting = topup is not None and topup.status == "awaiting_payment"
    if ev.landing_loads and not waiting:  # a landing while the debit settled could not credit
        tried.append(f"the landing page loaded {count(len(ev.landing_loads), 'time')}")
    if ev.reconciled:
        tried.append("the reconciliation sweep ran")
    status = "unknown to the app" if topup is None else topup.status
    if hidden:
        status = f"not credited in the ledger (its state in the app is {hidden})"
    if tried:
        return make_stage(
            "rescue",
            BROKEN,
            f"{' and '.join(tried)}, yet the paid top-up is still {status}",
            evidence,
        )
    return make_stage(
        "rescue",
        NOT_REACHED,
        f"the top-up is {status}; no landing page load and no reconciliation sweep to rescue it",
        evidence,
    )


def _row_line(ev: TopupEvidence) -> list[str]:
    return [
        f"ledger row #{r.id}: {r.type} {r.direction} {money(r.amount_pence)}"
        f" {money(r.balance_before_pence)} -> {money(r.balance_after_pence)} org"
        f" {short(r.org_id)} payment {r.stripe_payment_intent_id or '-'}"
        for r in ev.ledger_rows
    ]


def ledger_paid(ev: TopupEvidence, stopped: Stage | None, rescued: Stage) -> Stage:
    rows, evidence = ev.ledger_rows, _row_line(ev)
    if len(rows) > 1:
        total = sum(r.amount_pence for r in rows)
        return make_stage(
            "ledger",
            BROKEN,
            f"{len(rows)} topup rows for one payment, {money(total)} in all: credited more"
            " than once",
            evidence,
        )
    if len(rows) == 1:
        row = rows[0]
        wrong = _row_faults(ev)
        if wrong:
            return make_stage("ledger", BROKEN, f"row #{row.id} " + "; ".join(wrong), evidence)
        return make_stage(
            "ledger",
            OK,
            f"one topup credit of {money(row.amount_pence)} (row #{row.id},"
            f" {money(row.balance_before_pence)} -> {money(row.balance_after_pence)})",
            evidence,
        )
    topup = ev.topup
    claims = []
    if topup is not None and topup.status == "credited":
        claims.append(f"the app says credited (by {topup.fulfilled_by or '?'})")
    if any(e.last_stage == "credited" for e in ev.inbox):
        claims.append("the worker reported the event credited")
    moved = [v for v in ev.violations if v.startswith("balance = credits - debits")]
    if moved:
        claims.append(f"the balance moved without a row ({moved[0]})")
    if claims:
        return make_stage(
            "ledger",
            BROKEN,
            f"no top-up row in the ledger for the session, yet {'; '.join(claims)}",
            evidence,
        )
    if stopped is not None or rescued.status == BROKEN:
        return make_stage("ledger", NOT_REACHED, "no topup row: nothing credited the top-up")
    return make_stage(
        "ledger",
        BROKEN,
        "no top-up row in the ledger although every earlier stage passed",
        evidence,
    )


def _row_faults(ev: TopupEvidence) -> list[str]:
    """How the session's one row disagrees with Stripe's record of the payment."""
    row, session, wrong = ev.ledger_rows[0], ev.stripe_session, []
    if row.direction != "credit":
        wrong.append(f"is a {row.direction}, not a credit")
    if session is None:
        return wrong
    if session.amount_total is not None and row.amount_pence != session.amount_total:
        wrong.append(
            f"credits {money(row.amount_pence)}, Stripe's amount_total is"
            f" {money(session.amount_total)}"
        )
    org = session.client_reference_id
    if org and row.org_id != org:
        wrong.append(f"credits org {short(row.org_id)}, the session is for org {short(org)}")
    intent = session.payment_intent
    if intent and row.stripe_payment_intent_id != intent:
        wrong.append(
            f"names payment {row.stripe_payment_intent_id or 'none'}, Stripe says {intent}"
        )
    return wrong


def nobody_to_credit(ev: TopupEvidence) -> list[Stage]:
    """The rescue and the ledger of a paid session that names no organisation: nothing to
    rescue, and no row may credit anyone for it."""
    rescue = make_stage("rescue", SKIPPED, "nothing to rescue: the payment names no organisation")
    if ev.ledger_rows:
        orgs = ", ".join(sorted({short(r.org_id) for r in ev.ledger_rows}))
        ledger = make_stage(
            "ledger",
            BROKEN,
            f"{count(len(ev.ledger_rows), 'topup row')} credit org {orgs} for a payment that"
            " names no organisation",
            _row_line(ev),
        )
    else:
        ledger = make_stage("ledger", OK, "no topup row: nobody to credit")
    return [rescue, ledger]


def ledger_unpaid(ev: TopupEvidence) -> Stage:
    session = ev.stripe_session
    state = "unknown" if session is None else f"{session.payment_status}, {session.status}"
    if ev.ledger_rows:
        total = sum(r.amount_pence for r in ev.ledger_rows)
        return make_stage(
            "ledger",
            BROKEN,
            f"{count(len(ev.ledger_rows), 'topup row')}, {money(total)}, for a session Stripe"
            f" says is not paid ({state})",
            _row_line(ev),
        )
    return make_stage("ledger", OK, "no topup row, as nothing was paid")


def balance(ev: TopupEvidence) -> Stage:
    if ev.violations:
        return make_stage(
            "balance",
            BROKEN,
            f"{count(len(ev.violations), 'ledger invariant')} broken: {ev.violations[0]}",
            ev.violations,
        )
    if ev.org_balance_pence is None:
        why = ev.unavailable.get("balance") or ev.unavailable.get("database") or "no organisation"
        return make_stage("balance", SKIPPED, f"unknown: {why}")
    return make_stage(
        "balance",
        OK,
        f"org {short(ev.org_id)} holds {money(ev.org_balance_pence)} = credits - debits",
    )


def screen(ev: TopupEvidence) -> Stage:
    page = ev.page
    if page is None:
        why = ev.unavailable.get("page", "no page open")
        return make_stage("screen", SKIPPED, f"no page to read: {why}")
    if not page.on_dashboard:
        return make_stage("screen", SKIPPED, f"the tab is at {page.url}, not the dashboard")
    evidence = [
        f"page: {page.url}",
        f"page: balance {page.balance_text}, banner {page.banner_state}"
        f" ({'shown' if page.banner_visible else 'hidden'}): {page.banner_text or '-'}",
        f"page: error ({'shown' if page.error_visible else 'hidden'}): {page.error_text or '-'}",
        *log_evidence(ev, "web", ev.session_id, "fulfil")[-2:],  # what the page was told
        *(f"banner history: {entry}" for entry in page.banner_history[-2:]),
    ]
    if page.db_balance_pence is not None and page.balance_text != money(page.db_balance_pence):
        return make_stage(
            "screen",
            BROKEN,
            f"the page shows a balance of {page.balance_text}, the database holds"
            f" {money(page.db_balance_pence)}",
            evidence,
        )
    ended = _how_it_ended(ev)
    told = (page.error_visible and page.error_text) or (
        page.banner_visible and page.banner_state in ("failed", "expired")
    )
    if ended and page.landed_session == ev.session_id and not told:
        shown = (
            f'"{page.banner_text}"' if page.banner_visible and page.banner_text else "no message"
        )
        return make_stage("screen", BROKEN, f"{ended} but the page shows {shown}", evidence)
    waiting = _still_settling(ev)
    if waiting and page.landed_session == ev.session_id and page.banner_state == "pending":
        return make_stage(
            "screen",
            BROKEN,
            f"{waiting}, but the page still says the payment is being confirmed"
            f' ("{page.banner_text or "-"}"), not that it is on its way',
            evidence,
        )
    shown = page.error_text or page.banner_text or "no message"
    return make_stage("screen", OK, f"shows {page.balance_text}; {shown}", evidence)


def _still_settling(ev: TopupEvidence) -> str | None:
    """Why the customer should be told the payment is on its way: Checkout completed with the
    session unpaid (a bank debit) and the bank has not answered yet."""
    session = ev.stripe_session
    if session is None or (session.status, session.payment_status) != ("complete", "unpaid"):
        return None
    if any(e.type in (ASYNC_FAILED, ASYNC_SUCCEEDED) for e in ev.events):
        return None
    return "Stripe says Checkout completed and the bank payment has not settled yet (unpaid)"


def _how_it_ended(ev: TopupEvidence) -> str | None:
    """Why nothing will be credited, when the payment is over: Stripe's word first (a failed
    bank payment, an expired session), then the app's record."""
    topup, session = ev.topup, ev.stripe_session
    recorded = "" if topup is None else f"; the app records it as {topup.status}"
    failed = [e for e in ev.events if e.type == ASYNC_FAILED]
    if failed:
        return f"Stripe says the payment failed ({failed[0].type} {failed[0].id}){recorded}"
    if session is not None and session.status == "expired":
        return f"Stripe says the session expired unpaid{recorded}"
    if topup is not None and topup.status in ("failed", "expired"):
        reason = f" ({topup.failure_reason})" if topup.failure_reason else ""
        return f"the app says the top-up {topup.status}{reason}"
    return None
