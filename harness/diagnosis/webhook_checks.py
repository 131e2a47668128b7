"""The webhook's stages of a paid top-up: ``delivery`` (did Stripe's attempts reach the app and
get a 2xx?), ``signature`` (did the app accept them?), ``queue`` (stored in the inbox, a job
queued, something working the queue?) and ``job`` (what the worker made of the event).

Each check takes the evidence and the ids of the events that pay the session. An attempt the
scenario broke on purpose (a fault that fails it by itself: drop, fail, a bad signature) is
"injected", never the app's fault; a duplicate, delay, hold or reorder fails nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from fake_stripe.client import spoiling
from harness.diagnosis.evidence import Attempt, Endpoint, TopupEvidence
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
    not_observable,
)
from harness.records.app_records import InboxEvent, Job

COMPLETED = "checkout.session.completed"
# faults that make an attempt fail by themselves; duplicate, delay, hold, reorder do not
# the fake's actions that leave the app no good attempt, and those that forge the signature
FAILING_FAULTS = frozenset(spoiling())
SIGNATURE_FAULTS = frozenset(spoiling("signature"))
RECENT_BEAT_SECONDS = 10.0  # the worker beats every 2 s
STOPPED_ON_PURPOSE = "the scenario stopped the worker"


# what the fake says of an attempt a fault failed by itself; a signature fault fails one only
# when the app refused it (``bad_signature_by_fault``), never when there was no answer to refuse
INJECTED_KINDS = frozenset(
    {"dropped_by_fault", "non_2xx_by_fault", "timeout_by_fault", "bad_signature_by_fault"}
)


def _injected_failure(attempt: Attempt) -> bool:
    """Failed because of the scenario's fault, not the app: when an attempt failed for a real
    reason (no answer at a stale URL, a 404) while carrying a fault, the real reason wins."""
    if attempt.succeeded or not FAILING_FAULTS & set(attempt.faults):
        return False
    if attempt.error_kind is None:  # a record from before error kinds: the fault is all we know
        return True
    return attempt.error_kind in INJECTED_KINDS


def _refused(attempt: Attempt) -> bool:
    """Reached the app, which refused it as not a valid Stripe delivery (signature, body)."""
    return attempt.status_code == 400 and not attempt.succeeded


def _real_failure(attempt: Attempt) -> bool:
    return not attempt.succeeded and not _injected_failure(attempt) and not _refused(attempt)


def _answer(attempt: Attempt) -> str:
    kind = attempt.error_kind or ""
    if attempt.status_code is not None:
        text = str(attempt.status_code)
    elif kind.startswith("timeout"):
        text = "timeout"
    elif kind == "dropped_by_fault":
        text = "dropped"
    elif kind.startswith("connection_"):
        text = f"no answer ({kind.replace('_', ' ')})"  # refused, closed or failed
    else:
        text = "no answer"
    injected = sorted(FAILING_FAULTS & set(attempt.faults))
    return f"{text} (injected: {', '.join(injected)})" if _injected_failure(attempt) else text


def _attempt_lines(attempts: Iterable[Attempt]) -> list[str]:
    lines = []
    for a in attempts:
        copy = f" copy {a.copy}" if a.copy else ""
        faults = f" [faults: {', '.join(a.faults)}]" if a.faults else ""
        error = f" ({a.error})" if a.error and a.status_code is None else ""
        lines.append(
            f"fake: {a.event_type} {a.event_id} attempt {a.attempt}{copy} -> {a.endpoint_url}:"
            f" {_answer(a)}{error}{faults}"
        )
    return lines


def _url_note(ev: TopupEvidence, urls: Iterable[str]) -> str:
    elsewhere = sorted({url for url in urls if url != ev.app_webhook_url})
    if not elsewhere or ev.app_webhook_url is None:
        return ""
    return f"; the endpoint is registered at {', '.join(elsewhere)}, the app listens at" + (
        f" {ev.app_webhook_url}"
    )


def _unrecovered(attempts: tuple[Attempt, ...]) -> list[Attempt]:
    """Failures of the app's making that no later attempt of the same event made good."""
    failed = []
    for index, attempt in enumerate(attempts):
        if not _real_failure(attempt):
            continue
        later = attempts[index + 1 :]
        if not any(a.succeeded and a.event_id == attempt.event_id for a in later):
            failed.append(attempt)
    return failed


def delivery(ev: TopupEvidence, paying: list[str]) -> Stage:
    ours = [a for a in ev.attempts if a.event_id in paying]
    pending = [p for p in ev.pending if p.event_id in paying]
    evidence = [
        *_attempt_lines(ev.attempts),
        *(
            f"fake: {p.event_type} {p.event_id} {p.state} (attempts so far {p.attempts})"
            + (f" [faults: {', '.join(p.faults)}]" if p.faults else "")
            for p in ev.pending
        ),
    ]
    webhook_path = urlsplit(ev.app_webhook_url or "").path or "webhook"
    evidence = [*log_evidence(ev, "web", webhook_path), *evidence]
    failed = _unrecovered(ev.attempts)
    if failed:
        codes = ", ".join(_answer(a) for a in failed)
        url_note = _url_note(ev, (a.endpoint_url for a in failed))
        failed_events = {a.event_id for a in failed}
        retries = sum(1 for p in ev.pending if p.event_id in failed_events)
        retry = "; Stripe will retry it later" if retries else ""
        if any(a.succeeded for a in ev.attempts):
            credited = ev.topup is not None and ev.topup.status == "credited"
            detail = (
                f"{count(len(failed), 'later attempt')} failed ({codes}) after a delivery for this"
                " session had succeeded"
                + (
                    " and the top-up was credited: Stripe retries work that is done"
                    if credited
                    else ""
                )
            )
        else:
            detail = (
                f"{count(len(failed), 'attempt')}, none answered 2xx: {codes} at"
                f" {', '.join(sorted({a.endpoint_url for a in failed}))}"
            )
        return make_stage("delivery", BROKEN, detail + url_note + retry, evidence)
    if not ours and not pending:
        return make_stage("delivery", BROKEN, _no_attempt(ev, paying), evidence)
    if any(a.succeeded or _refused(a) for a in ours):
        detail = f"{count(len(ours), 'attempt')}: {', '.join(_answer(a) for a in ours)}"
        recovered = [a for a in ours if _real_failure(a)]
        if recovered:
            detail += f" (recovered after {count(len(recovered), 'failed attempt')})"
        urls = sorted({a.endpoint_url for a in ours if a.succeeded or _refused(a)})
        return make_stage("delivery", OK, f"{detail} at {', '.join(urls)}", evidence)
    lost = ", ".join(_answer(a) for a in ours)
    held = [f"{p.state} ({', '.join(p.faults)})" for p in pending if p.faults]
    if (ours and all(_injected_failure(a) for a in ours)) or held:
        parts = [f"{count(len(ours), 'attempt')} lost: {lost}"] if ours else []
        parts += [f"delivery {state}" for state in held]
        return make_stage("delivery", INJECTED, "; ".join(parts), evidence)
    states = ", ".join(f"{p.state} after {count(p.attempts, 'attempt')}" for p in pending)
    return make_stage("delivery", BROKEN, f"not delivered yet: {states}", evidence)


def _no_attempt(ev: TopupEvidence, paying: list[str]) -> str:
    kinds = sorted(
        {e.type for e in ev.events if e.id in paying}
        | {e.event_type for e in ev.inbox if e.event_id in paying}
    ) or [COMPLETED]
    wanted = " / ".join(kinds)
    start = f"Stripe made no delivery attempt for {wanted}"
    app = ev.app_webhook_url or "?"
    if "webhook endpoints" in ev.unavailable:
        return f"{start}; endpoints unavailable: {ev.unavailable['webhook endpoints']}"
    if not ev.endpoints:
        return f"{start}: no webhook endpoint is registered at Stripe (the app listens at {app})"

    def described(endpoints: Iterable[Endpoint]) -> str:
        return "; ".join(
            f"{e.url} ({e.status}, enabled: {', '.join(e.enabled_events) or 'nothing'})"
            for e in endpoints
        )

    subscribed = [e for e in ev.endpoints if any(e.subscribed_to(k) for k in kinds)]
    if not subscribed:
        return f"{start}: no endpoint is subscribed to it: {described(ev.endpoints)}"
    if not any(e.url == app for e in subscribed):
        urls = ", ".join(e.url for e in subscribed)
        return f"{start}: the endpoint is registered at {urls}, the app listens at {app}"
    return f"{start} though {described(subscribed)} is subscribed"


def signature(ev: TopupEvidence, paying: list[str]) -> Stage:
    ours = [a for a in ev.attempts if a.event_id in paying]
    accepted = [a for a in ours if a.succeeded]
    refused = [a for a in ours if _refused(a) and not _injected_failure(a)]
    reasons = _reasons(ev, {a.event_id for a in ours if _refused(a)})
    evidence = [
        *(f"the app refused it: {r}" for r in reasons),
        *log_evidence(ev, "web", "rejected"),
    ]
    forged = [a for a in accepted if SIGNATURE_FAULTS & set(a.faults)]
    if forged:
        faults = ", ".join(sorted({f for a in forged for f in a.faults if f in SIGNATURE_FAULTS}))
        return make_stage(
            "signature",
            BROKEN,
            f"{count(len(forged), 'delivery', 'deliveries')} with a deliberately bad signature"
            f" ({faults}) accepted ({', '.join(_answer(a) for a in forged)}): signatures are"
            " not verified",
            evidence,
        )
    if accepted:
        note = f"; {len(refused)} refused first" if refused else ""
        return make_stage(
            "signature", OK, f"accepted ({', '.join(_answer(a) for a in accepted)}){note}", evidence
        )
    if refused:
        why = "; ".join(reasons) or (
            not_observable(ev, "rejections") or "the app recorded no reason"
        )
        return make_stage(
            "signature",
            BROKEN,
            f"{count(len(refused), 'delivery', 'deliveries')} refused with 400, none accepted:"
            f" {why}",
            evidence,
        )
    return make_stage(
        "signature", INJECTED, "refused as it should be: every bad signature was injected", evidence
    )


def _reasons(ev: TopupEvidence, event_ids: set[str]) -> list[str]:
    named = [r.reason for r in ev.rejections if r.event_id in event_ids]
    anonymous = [r.reason for r in ev.rejections if r.event_id is None]
    return list(dict.fromkeys(named or anonymous))


def _per_accepted_event(
    key: str, judge_one: Callable[[TopupEvidence, str], Stage], ev: TopupEvidence, paying: list[str]
) -> Stage:
    """The stage judged for each paying event the app accepted: the first OK one, else the first."""
    accepted = dict.fromkeys(
        a.event_id for a in ev.attempts if a.succeeded and a.event_id in paying
    )
    results = [judge_one(ev, event_id) for event_id in accepted]
    if not results:
        return make_stage(key, NOT_REACHED, "no delivery was accepted")
    return next((s for s in results if s.status == OK), results[0])


def queue(ev: TopupEvidence, paying: list[str]) -> Stage:
    hidden = not_observable(ev, "inbox", "jobs")
    if hidden and ev.queue_counts is not None:  # no job by job, but how many wait
        return _queue_by_counts(ev, paying, hidden, ev.queue_counts)
    if hidden:  # what the app stored and queued cannot be seen: no verdict, the key to add
        return make_stage("queue", SKIPPED, hidden, log_evidence(ev, "worker", *paying))
    return _per_accepted_event("queue", _queue_one, ev, paying)


def _worker_process(ev: TopupEvidence) -> str:
    return {True: "running", False: "not running", None: "unknown"}[ev.worker_running]


def _accepted(ev: TopupEvidence, paying: list[str]) -> bool:
    return any(a.succeeded and a.event_id in paying for a in ev.attempts)


def _probe_line(ev: TopupEvidence) -> list[str]:
    """The queue probe's counts, now and when the scenario began, as evidence."""
    lines = []
    if ev.queue_counts is not None:
        lines.append(f"queue probe: {ev.queue_counts[0]} waiting, {ev.queue_counts[1]} failed")
    if ev.queue_counts_at_start is not None:
        start = ev.queue_counts_at_start
        lines.append(f"queue probe at the scenario's start: {start[0]} waiting, {start[1]} failed")
    return lines


def _queue_by_counts(
    ev: TopupEvidence, paying: list[str], hidden: str, counts: tuple[int, int]
) -> Stage:
    """Judged from the queue probe alone: jobs left waiting are a verdict; an empty queue is
    not (whether this event was ever queued cannot be seen)."""
    evidence = [*_probe_line(ev), *log_evidence(ev, "worker", *paying)]
    if not _accepted(ev, paying):
        return make_stage("queue", NOT_REACHED, "no delivery was accepted")
    waiting = counts[0]
    if waiting and ev.worker_stopped_on_purpose:
        return make_stage(
            "queue", INJECTED, f"{count(waiting, 'job')} waiting: {STOPPED_ON_PURPOSE}", evidence
        )
    if waiting:
        return make_stage(
            "queue",
            BROKEN,
            f"{count(waiting, 'job')} waiting in the queue after the delivery was accepted;"
            f" worker process {_worker_process(ev)}",
            evidence,
        )
    return make_stage(
        "queue", SKIPPED, f"no job waits in the queue; whether it was queued is {hidden}", evidence
    )


def _queue_one(ev: TopupEvidence, event_id: str) -> Stage:
    code = next((a.status_code for a in ev.attempts if a.succeeded and a.event_id == event_id), 200)
    row = next((e for e in ev.inbox if e.event_id == event_id), None)
    evidence = [
        *_inbox_lines(ev),
        *log_evidence(ev, "web", event_id),
        *log_evidence(ev, "worker", event_id),
    ]
    if row is None:
        return make_stage(
            "queue",
            BROKEN,
            f"the endpoint answered {code} to {event_id} but the app stored no such event",
            evidence,
        )
    jobs = [j for j in ev.jobs if j.event_id == event_id]
    if not jobs:
        if row.status == "failed":
            return make_stage(
                "queue",
                BROKEN,
                f"{event_id} was processed during the request and failed ({row.last_error}), yet"
                f" the endpoint answered {code}: no job, no retry, Stripe will not send it again",
                evidence,
            )
        if row.status == "queued":
            return make_stage(
                "queue", BROKEN, f"{event_id} is stored but no job was queued for it", evidence
            )
        return make_stage(
            "queue", OK, f"processed during the request ({row.status}), no job", evidence
        )
    waiting = [j for j in jobs if j.status == "todo" and j.attempts == 0]
    if len(waiting) == len(jobs):
        job = waiting[0]
        if ev.worker_stopped_on_purpose:
            return make_stage(
                "queue",
                INJECTED,
                f"job #{job.id} for {event_id} waits in the queue: {STOPPED_ON_PURPOSE}",
                evidence,
            )
        age = ev.heartbeat_age
        if age is None or age > RECENT_BEAT_SECONDS:
            hidden = not_observable(ev, "heartbeat")
            beat = (
                f"the worker's heartbeat is {hidden}"
                if hidden
                else "no worker has ever beaten"
                if age is None
                else f"last worker beat {age:.0f} s ago"
            )
            return make_stage(
                "queue",
                BROKEN,
                f"job #{job.id} for {event_id} is waiting (todo, never tried) and nothing works"
                f" the queue: {beat}; worker process {_worker_process(ev)}",
                evidence,
            )
        return make_stage(
            "queue",
            BROKEN,
            f"job #{job.id} for {event_id} is waiting (todo, never tried) though a worker beat"
            f" {age:.0f} s ago",
            evidence,
        )
    return make_stage("queue", OK, f"stored, queued as job #{jobs[0].id}", evidence)


def _inbox_lines(ev: TopupEvidence) -> list[str]:
    lines = [
        f"inbox: {e.event_type} {e.event_id} {e.status} after {count(e.attempts, 'attempt')}"
        + (f", stage {e.last_stage}" if e.last_stage else "")
        + (f": {e.last_error}" if e.last_error else "")
        for e in ev.inbox
    ]
    lines += [
        f"job #{j.id}: {j.status} after {count(j.attempts, 'attempt')} ({j.event_id})"
        for j in ev.jobs
    ]
    return lines


def job(ev: TopupEvidence, paying: list[str]) -> Stage:
    hidden = not_observable(ev, "inbox", "jobs")
    if hidden and ev.queue_counts is not None and _accepted(ev, paying):
        failed = ev.queue_counts[1] - (ev.queue_counts_at_start or (0, 0))[1]
        if failed > 0:  # the probe counts jobs, not this event's: said as such
            return make_stage(
                "job",
                BROKEN,
                f"{count(failed, 'job')} failed in the queue during the scenario",
                [*_probe_line(ev), *log_evidence(ev, "worker", *paying)],
            )
    if hidden:
        return make_stage("job", SKIPPED, hidden, log_evidence(ev, "worker", *paying))
    return _per_accepted_event("job", _job_one, ev, paying)


def _job_one(ev: TopupEvidence, event_id: str) -> Stage:
    row = next((e for e in ev.inbox if e.event_id == event_id), None)
    jobs = [j for j in ev.jobs if j.event_id == event_id]
    evidence = [*_inbox_lines(ev), *log_evidence(ev, "worker", event_id)]
    if row is None:
        return make_stage("job", NOT_REACHED, f"{event_id} was never stored")
    error = row.last_error or "no error recorded"
    failed = [j for j in jobs if j.status == "failed"]
    if names_no_org(ev):
        return _unattributed_job(ev, row, jobs, evidence)
    if failed:
        job = failed[0]
        return make_stage(
            "job",
            BROKEN,
            f"job #{job.id} for {event_id} failed after {count(job.attempts, 'attempt')}: {error}",
            evidence,
        )
    if row.status == "failed":
        done = [j for j in jobs if j.status == "succeeded"]
        if done:
            return make_stage(
                "job",
                BROKEN,
                f"job #{done[0].id} succeeded but its event {event_id} failed at"
                f" {row.last_stage}: {error} (the error was swallowed: no retry)",
                evidence,
            )
        where = f"job #{jobs[0].id} {jobs[0].status}" if jobs else "no job"
        return make_stage(
            "job",
            BROKEN,
            f"{event_id} failed at {row.last_stage} after {count(row.attempts, 'attempt')}: {error}"
            f" ({where})",
            evidence,
        )
    if row.status == "ignored":
        return make_stage(
            "job",
            BROKEN,
            f"{row.event_type} {event_id} was ignored, though it is the event that pays the"
            " session",
            evidence,
        )
    if row.status == "queued":
        state = ", ".join(f"job #{j.id} {j.status}" for j in jobs) or "no job"
        return make_stage(
            "job", BROKEN, f"{event_id} is still queued, never processed ({state})", evidence
        )
    how = f"job #{jobs[0].id} {jobs[0].status}" if jobs else "processed during the request"
    outcome = row.last_stage or row.status
    if not _credited(ev):
        recorded = ev.topup.status if ev.topup is not None else "no record"
        return make_stage(
            "job",
            BROKEN,
            f"{how}: {outcome}, yet nothing was credited (no ledger row for the session; the"
            f" app's record: {recorded}): the job reported success without doing its work",
            evidence,
        )
    return make_stage("job", OK, f"{how}: {outcome}", evidence)


def names_no_org(ev: TopupEvidence) -> bool:
    """A paid session made outside the app that names no organisation: nobody to credit."""
    session = ev.stripe_session
    return session is not None and not session.client_reference_id and ev.topup is None


def _credited(ev: TopupEvidence) -> bool:
    """Whether the session's credit happened, as far as can be seen (a row, or the app's
    record); when neither can be seen, nothing is claimed against the job."""
    if ev.ledger_rows or (ev.topup is not None and ev.topup.status == "credited"):
        return True
    return ev.topup is None and bool(not_observable(ev, "topups"))


def _unattributed_job(
    ev: TopupEvidence, row: InboxEvent, jobs: list[Job], evidence: list[str]
) -> Stage:
    """A payment naming no organisation must end as a failure operations can see."""
    failed = [j for j in jobs if j.status == "failed"]
    error = row.last_error or "no error recorded"
    if failed or (not jobs and row.status == "failed"):
        where = f"job #{failed[0].id} failed" if failed else "failed during the request"
        return make_stage(
            "job", OK, f"{where}, visibly, as a payment naming no organisation must: {error}"
        )
    how = f"job #{jobs[0].id} {jobs[0].status}" if jobs else "processed during the request"
    outcome = row.last_stage or row.status
    if row.status == "failed":
        outcome = f"its event failed at {row.last_stage}: {error}; the error was swallowed"
    return make_stage(
        "job",
        BROKEN,
        f"{how} ({outcome}) though the payment names no organisation: nobody can be credited,"
        " so it must fail where operations can see it, and be retried",
        evidence,
    )
