"""The app's requests to Stripe's API that the scenario faulted on purpose, shown at the stage
they touched: the session's creation at ``session``, the reads of the session at ``job`` (or at
``rescue``, when no job ran and the landing page or the sweep read it), the event list at
``rescue``. Each is listed under its stage as ``⚡ injected`` with the requests it took.

A fault explains only what it can cause, as with the webhook's faults: a job retried until it
gave up with every attempt's read failed, or a sweep that failed every time the event list was,
is "injected"; a job that gave up at its first failed read, one that reported success without
crediting, a second credit, or a stage that held anyway stays what it was, the faults shown
beside it as the conditions it met.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from harness.diagnosis.evidence import ApiHit, TopupEvidence, is_creation, is_listing, is_read_of
from harness.diagnosis.trace import (
    BROKEN,
    INJECTED,
    NOT_REACHED,
    OK,
    SKIPPED,
    Stage,
    count,
    make_stage,
)


def annotate(ev: TopupEvidence, stages: Sequence[Stage]) -> list[Stage]:
    """The stages with the API faults that touched them, each judged by what it can cause."""
    creations = [hit for hit in ev.api_hits if is_creation(hit)]
    reads = [hit for hit in ev.api_hits if is_read_of(hit, ev.session_id)]
    listings = [hit for hit in ev.api_hits if is_listing(hit)]
    judged: list[Stage] = []
    for stage in stages:
        if stage.key == "session" and creations:
            stage = _creation(stage, creations)
        elif stage.key == "job" and reads and stage.status not in (SKIPPED, NOT_REACHED):
            stage, reads = _job(stage, ev, reads), []
        elif stage.key == "rescue" and (reads or listings):
            stage = _rescue(stage, ev, reads, listings)
        judged.append(stage)
    return judged


def creations_that_came_to_nothing(hits: Sequence[ApiHit]) -> Stage | None:
    """Faulted creation requests after which Stripe created no session: what the customer met
    instead of a Checkout page."""
    if not hits:
        return None
    done = [hit for hit in hits if hit.processed]
    outcome = (
        f"Stripe did the work for {count(len(done), 'request')} but the app never got the"
        " session back (no retry under the same Idempotency-Key reached it), so the customer"
        " was sent to no Checkout page"
        if done
        else "nothing to pay, nothing to credit"
    )
    return make_stage(
        "session",
        INJECTED,
        f"no top-up's session came of {count(len(hits), 'creation request')} failed on purpose"
        f" ({_answers(hits)}): {outcome}",
        (str(hit) for hit in hits),
    )


def _creation(stage: Stage, hits: list[ApiHit]) -> Stage:
    """The session exists: the faults on its creation were got past (the SDK's retry, the same
    Idempotency-Key); they cause nothing a session stage can be blamed for."""
    detail = stage.detail
    if stage.status == OK:
        detail += f"; got past {count(len(hits), 'injected fault')} on its creation"
    return _with_faults(replace(stage, detail=detail), "its creation", hits)


def _job(stage: Stage, ev: TopupEvidence, hits: list[ApiHit]) -> Stage:
    if stage.status == BROKEN and _every_attempt_faulted(ev, hits):
        stage = make_stage(
            "job",
            INJECTED,
            f"{stage.detail}: every attempt's read of the session failed on purpose"
            f" ({count(len(hits), 'request')}), and the job was retried until it gave up",
            stage.evidence,
        )
    elif stage.status == OK:
        stage = replace(stage, detail=f"{stage.detail} (after {_faults(hits)} on its reads)")
    return _with_faults(stage, "its reads of the session", hits)


def _every_attempt_faulted(ev: TopupEvidence, hits: list[ApiHit]) -> bool:
    """A job that failed for good, retried (a Stripe error is worth retrying: one that gave up
    at the first is the app's doing), with at least one faulted read for each attempt. Jobs seen
    only as the queue probe's counts show no attempts, so they are never excused."""
    failed = [job for job in ev.jobs if job.status == "failed"]
    attempts = sum(job.attempts for job in failed)
    return bool(failed) and all(job.attempts > 1 for job in failed) and len(hits) >= attempts


def _rescue(stage: Stage, ev: TopupEvidence, reads: list[ApiHit], listings: list[ApiHit]) -> Stage:
    every_sweep_failed = ev.failed_sweeps > 0 and ev.failed_sweeps == ev.sweeps
    if stage.status == BROKEN and listings and every_sweep_failed and not ev.landing_loads:
        stage = make_stage(
            "rescue",
            INJECTED,
            f"{count(ev.failed_sweeps, 'reconciliation sweep')} failed: Stripe's event list failed"
            f" on purpose ({count(len(listings), 'request')}), so nothing could be swept",
            stage.evidence,
        )
    stage = _with_faults(stage, "the app's reads of the session", reads)
    return _with_faults(stage, "the sweep's listing of the events", listings)


def _with_faults(stage: Stage, what: str, hits: list[ApiHit]) -> Stage:
    if not hits:
        return stage
    summary = f"{what}: {_faults(hits)} ({_answers(hits)})"
    lines = (summary, *(f"  {hit}" for hit in hits[:5]))
    return replace(stage, faults=(*stage.faults, *lines))


def _faults(hits: Sequence[ApiHit]) -> str:
    return count(len(hits), "injected fault")


def _answers(hits: Sequence[ApiHit]) -> str:
    return ", ".join(
        str(hit.status) if hit.status is not None else f"{hit.action}, no answer" for hit in hits
    )
