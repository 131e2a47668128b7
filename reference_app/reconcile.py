"""The reconciliation sweep: list recent checkout events from Stripe and fulfil whatever the
webhooks missed. ``python -m reference_app reconcile``; the worker also runs it periodically.

How far back it looks: at least ``RECONCILE_LOOKBACK_SECONDS``, and back to where the last
complete sweep started (its watermark, ``sweep_watermark``) less a few minutes' overlap, so an
outage longer than the look-back (the app down for days, nothing swept) is still covered; with
no watermark yet (never swept to the end), all of Stripe's 30 days of listed events; never past
them. It reads every page of the list. Time is the app's clock
(``reference_app.clock``: real time, or the one ``WALLET_CLOCK_URL`` serves). The watermark
moves only after a sweep that read every page and fulfilled every session it found.

Sessions already credited, and those whose bank debit failed (the list holds their
``async_payment_failed`` event: unpaid for good), are left alone. The others are fulfilled a few
at a time (``SWEEP_CONCURRENCY``, never more than the pool's connections), each page's while
the next page is listed: ``fulfil_checkout`` is keyed on the session and safe to run at once,
and after an outage the wait is Stripe's round trips, not the database. A listing that fails
part way lets the reads already begun finish and begins no more.

Stripe failing for now is waited out within the sweep, where a failed sweep would cost a new
listing of the whole window: a page of the list refused with a rate limit is asked again after
its ``Retry-After`` (``LIST_RATE_LIMIT_WAITS`` times in a sweep), and a session whose read failed
for now (a 429, a 5xx or 409, a timeout or a cut connection, after the SDK's own retries) is
tried again once a pause has passed since it failed (``RECONCILE_RETRY_PAUSE_SECONDS``, doubled
each round, or Stripe's ``Retry-After`` where it named a longer one), up to ``RETRY_ROUNDS`` more
times. Only what still fails after that fails the sweep.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import NamedTuple

import stripe

from reference_app import sweep_watermark, topups
from reference_app.clock import make_clock
from reference_app.fulfilment import FulfilmentError, fulfil_checkout
from reference_app.runtime import Runtime
from reference_app.stripe_gateway import rate_limit_wait

log = logging.getLogger("reference_app.reconcile")

FULFIL_ON = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
# a bank debit that failed leaves its session complete and unpaid for good (the customer pays
# again in a new session): once the list says so, nothing is asked of Stripe about it again
NEVER_PAID = "checkout.session.async_payment_failed"
SWEPT = (*FULFIL_ON, NEVER_PAID)  # what the sweep asks Stripe to list (not expiries: no use)
STRIPE_LISTS_EVENTS_SECONDS = 30 * 86400  # Stripe lists (and retrieves) events this long
WATERMARK_OVERLAP_SECONDS = 300  # an event created just before a sweep may be listed after it
SWEEP_CONCURRENCY = 8  # sessions fulfilled at once by one sweep
LIST_RATE_LIMIT_WAITS = 2  # 429s on the list's pages waited out in one sweep
RETRY_ROUNDS = 2  # more tries, within the sweep, for sessions whose read failed for now


class SweepFailed(RuntimeError):
    """The sweep could not read Stripe's event list: it swept nothing."""


@dataclass(frozen=True)
class SweepReport:
    sessions_seen: int
    credited: list[str]
    failed: dict[str, str]
    since: int = 0  # the oldest event creation time the sweep asked for, on the app's clock


def sweep_since(runtime: Runtime, started: float) -> int:
    """The oldest ``created`` this sweep asks Stripe for."""
    since = started - runtime.settings.reconcile_lookback_seconds
    if not runtime.defects.on("sweep-fixed-lookback"):
        with runtime.pool.connection() as conn:
            watermark = sweep_watermark.last_sweep_start(conn)
        if watermark is None:  # never swept to the end: as far back as Stripe lists
            since = started - STRIPE_LISTS_EVENTS_SECONDS
        else:
            since = min(since, watermark - WATERMARK_OVERLAP_SECONDS)
    return int(max(since, started - STRIPE_LISTS_EVENTS_SECONDS))


def reconcile(runtime: Runtime, *, now: float | None = None) -> SweepReport:
    started = make_clock(runtime.settings.clock_url).now() if now is None else now
    since = sweep_since(runtime, started)
    pages = runtime.gateway.checkout_event_pages(
        since,
        types=SWEPT,
        page_size=runtime.settings.reconcile_page_size,
        first_page_only=runtime.defects.on("sweep-first-page-only"),
        rate_limit_waits=LIST_RATE_LIMIT_WAITS,
    )
    workers = max(1, min(SWEEP_CONCURRENCY, runtime.pool.max_size))
    with ThreadPoolExecutor(workers, thread_name_prefix="sweep") as executor:
        try:
            listed = _list_while_fulfilling(runtime, pages, executor)
        except stripe.StripeError as error:  # the watermark stays for the next sweep
            raise SweepFailed(f"could not list Stripe's events: {error}") from error
        credited, failed = _fulfil_missed(runtime, executor, listed.first_tries)
    if not failed:
        with runtime.pool.connection() as conn:
            sweep_watermark.record_sweep_start(conn, started)
    log.info(
        "reconcile: %d sessions with checkout events since %d (%d credited before, %d whose"
        " debit failed), %d credited now, %d failed",
        len(listed.sessions),
        since,
        len(listed.done),
        len(listed.never_paid),
        len(credited),
        len(failed),
    )
    return SweepReport(len(listed.sessions), credited, failed, since)


class Tried(NamedTuple):
    """One missed session's fulfilment: its outcome, why it failed if it did, and when it did
    because Stripe failed for now, the least wait before asking again (else None: the next
    sweep tries); ``at``: when it ended (``time.monotonic``), which that wait counts from."""

    outcome: str
    why: str | None
    wait: float | None
    at: float


@dataclass
class _Listed:
    """What the list has shown so far, and the first fulfilment of each missed session."""

    sessions: set[str] = field(default_factory=set)
    done: set[str] = field(default_factory=set)  # credited before the sweep looked
    never_paid: set[str] = field(default_factory=set)
    first_tries: dict[str, Future[Tried]] = field(default_factory=dict)

    def take(
        self, runtime: Runtime, page: list[tuple[str, str, str]], executor: ThreadPoolExecutor
    ) -> None:
        """Note one page and start fulfilling the missed sessions it shows first. The list is
        newest first, so a failed debit's ``async_payment_failed`` comes before its session's
        ``completed``; if Stripe ever listed them the other way round, the read finds the
        session unpaid and leaves its top-up failed."""
        self.never_paid |= {session for _, kind, session in page if kind == NEVER_PAID}
        new = sorted({s for _, kind, s in page if kind in FULFIL_ON} - self.sessions)
        if not new:
            return
        self.sessions.update(new)
        with runtime.pool.connection() as conn:
            done = topups.credited_among(conn, new)  # nothing to ask Stripe about those
        self.done |= done
        for session in new:
            if session not in done and session not in self.never_paid:
                self.first_tries[session] = executor.submit(_fulfil, runtime, session)


def _list_while_fulfilling(
    runtime: Runtime, pages: Iterable[list[tuple[str, str, str]]], executor: ThreadPoolExecutor
) -> _Listed:
    """Every page, each page's missed sessions read while the next is listed. Should the list
    fail, the reads begun finish and no more begin."""
    listed = _Listed()
    try:
        for page in pages:
            listed.take(runtime, page, executor)
    except BaseException:
        executor.shutdown(cancel_futures=True)
        raise
    return listed


def _fulfil_missed(
    runtime: Runtime, executor: ThreadPoolExecutor, first_tries: dict[str, Future[Tried]]
) -> tuple[list[str], dict[str, str]]:
    """Wait for the missed sessions' first tries, then try again those whose read failed for
    now, after a pause counted from the failure; the sessions credited, and why each one
    still failing failed."""
    credited: list[str] = []
    failed: dict[str, str] = {}
    results = {session: tried.result() for session, tried in first_tries.items()}
    pause = runtime.settings.reconcile_retry_pause_seconds  # doubled before the next round
    for round_number in range(RETRY_ROUNDS + 1):
        credited += [s for s, tried in results.items() if tried.outcome == "credited"]
        for session in results:
            failed.pop(session, None)
        failed |= {s: tried.why for s, tried in results.items() if tried.why is not None}
        again = {
            s: tried
            for s, tried in results.items()
            if tried.why is not None and tried.wait is not None
        }
        if not again or round_number == RETRY_ROUNDS:
            break
        due = max(tried.at + max(pause, tried.wait or 0.0) for tried in again.values())
        wait = max(0.0, due - time.monotonic())
        log.info("reconcile: %d sessions failed for now, again in %.1f s", len(again), wait)
        time.sleep(wait)
        pending, pause = list(again), pause * 2
        outcomes = executor.map(lambda session: _fulfil(runtime, session), pending)
        results = dict(zip(pending, outcomes, strict=True))
    return credited, failed


def _fulfil(runtime: Runtime, session_id: str) -> Tried:
    try:
        result = fulfil_checkout(
            runtime.pool, runtime.gateway, session_id, path="reconcile", defects=runtime.defects
        )
    except FulfilmentError as error:
        return Tried("failed", str(error), None, time.monotonic())
    except stripe.StripeError as error:
        return Tried("failed", str(error), _wait_before_asking_again(error), time.monotonic())
    return Tried(result.outcome, None, None, time.monotonic())


def _wait_before_asking_again(error: stripe.StripeError) -> float | None:
    """For an error that says Stripe or the network failed for now, the least wait before
    asking again (a 429's ``Retry-After``); None for an answer asking again would repeat."""
    if isinstance(error, stripe.RateLimitError):
        return rate_limit_wait(error, 0.0)
    status = error.http_status or 0
    if isinstance(error, stripe.APIConnectionError) or status >= 500 or status == 409:
        return 0.0
    return None
