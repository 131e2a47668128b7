"""What must hold after a simulation, judged against the truth kept outside the app: Stripe's
record of which sessions were paid, for how much, for which organisation, and the fake's log of
which webhooks the app acknowledged.

Checked twice. Once the clock has run through every retry, before any reconciliation: a paid
session whose paying webhook the app answered 2xx must already be credited (a 2xx means "mine
now"; reconciliation is for webhooks that never arrived). Then after reconciliation: every paid
session credited exactly once, nothing credited for an unpaid one, every ledger sound, and the
app's inbox and queue drained with no failure left unexplained.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg

from harness.money import format_money
from harness.records.app_records import AppRecords
from harness.records.ledger import LedgerBook, SessionCredits
from harness.records.ledger_invariants import check_ledger
from harness.records.stripe import StripeSession

INVARIANTS = {
    "acknowledged means credited": "a paid session whose paying webhook the app answered 2xx is"
    " credited once the stack is quiet, before any reconciliation",
    "paid credited once": "every paid session is credited exactly once, with its amount, to its"
    " organisation",
    "unpaid never credited": "nothing is credited for an unpaid, declined or expired session,"
    " nor for one Stripe never made",
    "ledger sound": "per organisation: balance = credits - debits, an unbroken balance chain,"
    " row arithmetic, one top-up row per session",
    "pipeline drained": "the event inbox and the job queue are empty of waiting work, with no"
    " failed event or job",
    "customer answers": "every answer the app and Checkout give the customer is the one expected"
    " (a top-up refused while Stripe fails: a 502 or 503 that says why)",
    "sweep completes": "the reconciliation sweep, run again after a run that failed, completes"
    " within a few runs while Stripe's API fails now and then",
}


@dataclass(frozen=True)
class Violation:
    invariant: str  # a key of INVARIANTS
    subject: str  # a session id, an organisation id, or the pipeline
    detail: str

    def __str__(self) -> str:
        return f"{self.invariant} [{self.subject}]: {self.detail}"


def acknowledged_but_uncredited(
    conn: psycopg.Connection[Any], book: LedgerBook, acknowledged: Iterable[str]
) -> list[Violation]:
    """``acknowledged``: paid sessions whose paying webhook got a 2xx from the app."""
    return uncredited(book.topup_credits_by_session(conn), acknowledged)


def uncredited(
    credited: Mapping[str, SessionCredits], acknowledged: Iterable[str]
) -> list[Violation]:
    """The sessions of ``acknowledged`` that ``credited`` (the ledger's top-up credits by
    session, read before any reconciliation) does not hold."""
    return [
        Violation(
            "acknowledged means credited",
            session_id,
            "the app answered 2xx to its paying webhook, yet no top-up row exists",
        )
        for session_id in sorted(acknowledged)
        if session_id not in credited
    ]


def money_violations(
    conn: psycopg.Connection[Any],
    book: LedgerBook,
    truth: Mapping[str, StripeSession],
    org_ids: Iterable[str] = (),
) -> list[Violation]:
    """``org_ids``: the organisations the run made; a credit to one of them for a session
    Stripe does not have (a made-up id, one it refused to create) is a credit for nothing."""
    credited = book.topup_credits_by_session(conn)
    ours = set(org_ids)
    violations: list[Violation] = [
        Violation(
            "unpaid never credited",
            credit.session_id,
            f"no such session at Stripe, credited {credit.rows} time(s),"
            f" {format_money(credit.amount_pence)}",
        )
        for session_id, credit in sorted(credited.items())
        if session_id not in truth and ours & set(credit.org_ids)
    ]
    for session in truth.values():
        credit = credited.get(session.id)
        if not session.paid:
            if credit is not None:
                violations.append(
                    Violation(
                        "unpaid never credited",
                        session.id,
                        f"not paid at Stripe, credited {credit.rows} time(s),"
                        f" {format_money(credit.amount_pence)}",
                    )
                )
            continue
        if credit is None:
            if session.org_id is not None:
                violations.append(
                    Violation(
                        "paid credited once",
                        session.id,
                        f"paid {format_money(session.amount_pence)}, never credited",
                    )
                )
            continue
        wrong = []
        if credit.rows != 1:
            wrong.append(f"credited {credit.rows} times")
        if credit.amount_pence != session.amount_pence * credit.rows:
            wrong.append(f"credited {format_money(credit.amount_pence)} in all")
        if session.org_id is not None and credit.org_ids != (session.org_id,):
            wrong.append(f"credited to {', '.join(credit.org_ids)}, not {session.org_id}")
        if wrong:
            violations.append(
                Violation(
                    "paid credited once",
                    session.id,
                    f"paid {format_money(session.amount_pence)}: " + "; ".join(wrong),
                )
            )
    violations += [
        Violation("ledger sound", broken.subject, f"{broken.rule}: {broken.detail}")
        for broken in check_ledger(conn, book)
    ]
    return violations


def pipeline_violations(
    conn: psycopg.Connection[Any], records: AppRecords, probe_failed_before: int = 0
) -> list[Violation]:
    """Nothing left waiting or failed in the app's pipeline, as far as its profile shows it.
    ``probe_failed_before``: failed jobs the queue probe counted when the run began (jobs kept
    outside the database, in Redis say, outlive the reset: an earlier run's are not this one's)."""
    counts = records.status_counts(conn)
    inbox, jobs = counts.get("inbox", {}), counts.get("jobs", {})
    violations = []
    waiting = {
        "inbox events queued": inbox.get("queued", 0),
        "jobs to do or running": jobs.get("todo", 0) + jobs.get("doing", 0),
        "jobs failed": jobs.get("failed", 0),
    }
    if not records.has("jobs_sql") and records.has("queue_probe"):  # jobs kept outside the database
        probe_waiting, probe_failed = records.queue_counts(conn)
        waiting["jobs waiting or running (queue_probe)"] = probe_waiting
        waiting["jobs failed (queue_probe)"] = max(0, probe_failed - probe_failed_before)
    for what, count in waiting.items():
        if count:
            violations.append(Violation("pipeline drained", "pipeline", f"{count} {what}"))
    failed = records.failed_inbox_events(conn) if records.has("events_sql") else []
    for event in failed:
        violations.append(
            Violation(
                "pipeline drained",
                event.event_id,
                f"{event.event_type} failed at {event.last_stage}: {event.last_error}",
            )
        )
    return violations
