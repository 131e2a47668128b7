"""The reconciliation sweep's window: the app's clock (real, or the one WALLET_CLOCK_URL serves),
its watermark in the real database, every page of Stripe's event list, and the two defects that
break it. Stripe's HTTP API is respx; the database is the test's own PostgreSQL."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
import respx
import stripe

from reference_app.clock import ClockError, FollowedClock, SystemClock, make_clock
from reference_app.db import open_pool
from reference_app.defects import Defects
from reference_app.reconcile import (
    LIST_RATE_LIMIT_WAITS,
    RETRY_ROUNDS,
    STRIPE_LISTS_EVENTS_SECONDS,
    SWEPT,
    WATERMARK_OVERLAP_SECONDS,
    SweepFailed,
    SweepReport,
    reconcile,
)
from reference_app.runtime import Runtime
from reference_app.settings import AppSettings, SettingsError
from reference_app.stripe_gateway import (
    MAX_RETRY_AFTER_SECONDS,
    StripeGateway,
    make_client,
    retry_after_seconds,
)
from tests.loopback_http import json_server
from tests.reference_app.test_stripe_gateway_respx import (
    API,
    event_json,
    form,
    session_json,
    settings,
)

CLOCK = "http://fake.test/_control/clock"
DAY = 86400
T0 = 1_800_000_000.0
NO_EVENTS = {"object": "list", "data": [], "has_more": False}


@pytest.fixture
def stripe_api() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


def sweep_report(
    db_url: str, *defects: str, now: float | None = None, pool_size: int = 2, **overrides: Any
) -> SweepReport:
    """Run one sweep with a pool of ``pool_size`` connections; its report."""
    app_settings = settings(database_url=db_url, **overrides)
    pool = open_pool(db_url, min_size=1, max_size=pool_size)
    try:
        runtime = Runtime(
            app_settings, pool, StripeGateway(make_client(app_settings)), Defects(set(defects))
        )
        return reconcile(runtime, now=now)
    finally:
        pool.close()


def sweep(db_url: str, *defects: str, now: float | None = None, **overrides: Any) -> int:
    """Run one sweep; the ``created[gte]`` it asked Stripe for."""
    return sweep_report(db_url, *defects, now=now, **overrides).since


def watermarks(db_url: str) -> int:
    """Rows in ``reconcile_watermark``: 1 once a sweep has completed, else 0."""
    with psycopg.connect(db_url) as conn:
        row = conn.execute("select count(*) from reconcile_watermark").fetchone()
    assert row is not None
    return int(row[0])


def sessions_of(pages: list[list[tuple[str, str, str]]]) -> list[str]:
    """The sessions the listed events name, in the list's order (newest first)."""
    return [session for page in pages for _, _, session in page]


def asked_since(router: respx.MockRouter) -> list[int]:
    calls = [call for call in router.calls if call.request.url.path == "/v1/events"]
    return [int(form(call.request)["created[gte]"]) for call in calls]


# -- the clock ---------------------------------------------------------------------------------


def test_without_a_clock_url_the_app_reads_real_time() -> None:
    before = time.time()
    now = make_clock(None).now()
    assert isinstance(make_clock(None), SystemClock)
    assert before <= now <= time.time()


def test_a_followed_clock_asks_its_url_on_every_use(stripe_api: respx.MockRouter) -> None:
    route = stripe_api.get(CLOCK).mock(
        side_effect=[
            httpx.Response(200, json={"now": T0, "offset": 0}),
            httpx.Response(200, json={"now": T0 + 3 * DAY, "offset": 3 * DAY}),
        ]
    )
    clock = make_clock(CLOCK)
    assert (clock.now(), clock.now()) == (T0, T0 + 3 * DAY)
    assert route.call_count == 2


def test_a_clock_on_plain_http_is_read_over_a_real_socket_with_no_certificates_loaded() -> None:
    """httpx would load the whole CA bundle for each reading (about 50 ms, once per sweep); a
    plain-HTTP clock's context trusts nothing instead, which a TLS handshake would fail."""
    with json_server(lambda *_: {"now": T0, "offset": 0}) as url:
        clock = FollowedClock(url + "/_control/clock")
        assert clock.now() == T0
    context = clock._tls
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)
    assert context.cert_store_stats()["x509_ca"] == 0
    assert FollowedClock("https://clock.example/now")._tls.cert_store_stats()["x509_ca"] > 0


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(500, json={"error": {"message": "boom"}}),
        httpx.Response(200, json={"now": "tomorrow"}),
        httpx.Response(200, json={"timestamp": 1}),
        httpx.Response(200, text="not json"),
        httpx.Response(200, json={"now": True}),
    ],
)
def test_a_clock_that_gives_no_time_is_named(
    stripe_api: respx.MockRouter, answer: httpx.Response
) -> None:
    stripe_api.get(CLOCK).mock(return_value=answer)
    with pytest.raises(ClockError, match=f"WALLET_CLOCK_URL {CLOCK}"):
        FollowedClock(CLOCK).now()


def test_the_settings_read_the_clock_url_a_page_size_stripe_takes_and_the_sweeps_pause() -> None:
    base = {"DATABASE_URL": "postgresql://x", "STRIPE_SECRET_KEY": "sk", "SESSION_SECRET": "s"}
    read = AppSettings.from_env({**base, "WALLET_CLOCK_URL": CLOCK, "RECONCILE_PAGE_SIZE": "2"})
    assert (read.clock_url, read.reconcile_page_size) == (CLOCK, 2)
    default = AppSettings.from_env(base)
    assert (default.clock_url, default.reconcile_page_size) == (None, 100)
    assert default.reconcile_retry_pause_seconds == 0.5
    paused = AppSettings.from_env({**base, "RECONCILE_RETRY_PAUSE_SECONDS": "0.05"})
    assert paused.reconcile_retry_pause_seconds == 0.05
    with pytest.raises(SettingsError, match="RECONCILE_RETRY_PAUSE_SECONDS"):
        AppSettings.from_env({**base, "RECONCILE_RETRY_PAUSE_SECONDS": "-1"})
    for bad in ("0", "101", "many"):
        with pytest.raises(SettingsError, match="RECONCILE_PAGE_SIZE"):
            AppSettings.from_env({**base, "RECONCILE_PAGE_SIZE": bad})


# -- the window --------------------------------------------------------------------------------


def test_the_sweep_measures_its_lookback_on_the_followed_clock(
    stripe_api: respx.MockRouter, wallet_ledger_db_url: str
) -> None:
    stripe_api.get(CLOCK).respond(json={"now": T0 + 10 * DAY})
    stripe_api.get(f"{API}/v1/events").respond(json=NO_EVENTS)
    sweep(wallet_ledger_db_url, now=T0 + 9 * DAY)  # a watermark a day before the clock's now
    since = sweep(wallet_ledger_db_url, clock_url=CLOCK)
    assert since == T0 + 10 * DAY - 3 * DAY  # the default look-back, from the fake's now
    assert asked_since(stripe_api)[-1] == since


def test_after_a_long_outage_the_sweep_looks_back_to_its_watermark(
    stripe_api: respx.MockRouter, wallet_ledger_db_url: str
) -> None:
    stripe_api.get(f"{API}/v1/events").respond(json=NO_EVENTS)
    first = sweep(wallet_ledger_db_url, now=T0)
    after_outage = sweep(wallet_ledger_db_url, now=T0 + 5 * DAY)
    soon_after = sweep(wallet_ledger_db_url, now=T0 + 5 * DAY + 60)
    long_after = sweep(wallet_ledger_db_url, now=T0 + 45 * DAY)

    assert first == T0 - STRIPE_LISTS_EVENTS_SECONDS  # never swept: all Stripe lists
    assert after_outage == T0 - WATERMARK_OVERLAP_SECONDS  # back to where the last sweep began
    assert soon_after == T0 + 5 * DAY + 60 - 3 * DAY  # never less than the default look-back
    assert long_after == T0 + 45 * DAY - STRIPE_LISTS_EVENTS_SECONDS  # Stripe's 30 days
    with psycopg.connect(wallet_ledger_db_url) as conn:
        row = conn.execute("select extract(epoch from swept_from) from reconcile_watermark")
        assert float(row.fetchone()[0]) == T0 + 45 * DAY  # type: ignore[index]


def test_defect_sweep_fixed_lookback_ignores_the_watermark(
    stripe_api: respx.MockRouter, wallet_ledger_db_url: str
) -> None:
    stripe_api.get(f"{API}/v1/events").respond(json=NO_EVENTS)
    sweep(wallet_ledger_db_url, now=T0)
    since = sweep(wallet_ledger_db_url, "sweep-fixed-lookback", now=T0 + 5 * DAY)
    assert since == T0 + 5 * DAY - 3 * DAY


def test_the_sweep_asks_for_its_page_size_and_every_page_unless_first_page_only(
    stripe_api: respx.MockRouter,
) -> None:
    pages = [
        {"object": "list", "data": [event_json(3), event_json(2)], "has_more": True},
        {"object": "list", "data": [event_json(1)], "has_more": False},
    ]
    route = stripe_api.get(f"{API}/v1/events").mock(
        side_effect=[httpx.Response(200, json=page) for page in [*pages, pages[0]]]
    )
    gateway = StripeGateway(make_client(settings()))
    every = list(gateway.checkout_event_pages(1, page_size=2))
    first_only = list(gateway.checkout_event_pages(1, page_size=2, first_page_only=True))

    assert sessions_of(every) == ["cs_3", "cs_2", "cs_1"]
    assert sessions_of(first_only) == ["cs_3", "cs_2"]
    assert [form(call.request)["limit"] for call in route.calls] == ["2", "2", "2"]


def test_defect_sweep_first_page_only_reads_one_page_of_many(
    stripe_api: respx.MockRouter, wallet_ledger_db_url: str
) -> None:
    """Under the defect the sweep stops after Stripe's first page (the newest events), though
    Stripe says there is more: the older events' sessions are never looked at."""
    page = {"object": "list", "data": [event_json(2)], "has_more": True}
    events = stripe_api.get(f"{API}/v1/events").respond(json=page)
    stripe_api.get(f"{API}/v1/checkout/sessions/cs_2").respond(
        json=session_json(id="cs_2", payment_status="unpaid", status="open")
    )
    sweep(wallet_ledger_db_url, "sweep-first-page-only", now=T0)
    assert events.call_count == 1


# -- Stripe failing the sweep ------------------------------------------------------------------


def test_a_sweep_whose_event_list_fails_sweeps_nothing_and_keeps_its_watermark(
    stripe_api: respx.MockRouter, wallet_ledger_db_url: str
) -> None:
    """Stripe's list failing (the SDK's retry too) ends the sweep with SweepFailed, naming it;
    no watermark is written, so the next sweep reads the same events."""
    error = {"error": {"type": "api_error", "message": "An unknown error occurred"}}
    stripe_api.get(f"{API}/v1/events").respond(500, json=error)
    with pytest.raises(SweepFailed, match="could not list Stripe's events"):
        sweep(wallet_ledger_db_url, now=T0)
    assert watermarks(wallet_ledger_db_url) == 0


def test_a_session_stripe_cannot_read_fails_alone_and_the_sweep_goes_on(
    stripe_api: respx.MockRouter, wallet_ledger_db_url: str
) -> None:
    """A read of one session that Stripe keeps failing is that session's failure, reported,
    not a crash of the whole sweep: the other sessions are still looked at. The failing one
    is asked again within the sweep (``RETRY_ROUNDS`` more times), then left to the next
    sweep: no watermark is written."""
    page = {"object": "list", "data": [event_json(2), event_json(1)], "has_more": False}
    stripe_api.get(f"{API}/v1/events").respond(json=page)
    error = {"error": {"type": "api_error", "message": "An unknown error occurred"}}
    first = stripe_api.get(f"{API}/v1/checkout/sessions/cs_1").respond(500, json=error)
    second = stripe_api.get(f"{API}/v1/checkout/sessions/cs_2").respond(
        json=session_json(id="cs_2", payment_status="unpaid", status="open")
    )
    report = sweep_report(
        wallet_ledger_db_url,
        now=T0,
        stripe_max_network_retries=0,
        reconcile_retry_pause_seconds=0.01,
    )
    assert list(report.failed) == ["cs_1"]
    assert (first.call_count, second.call_count) == (1 + RETRY_ROUNDS, 1)
    assert watermarks(wallet_ledger_db_url) == 0


def test_a_session_read_rate_limited_for_now_is_credited_by_the_same_sweep(
    stripe_api: respx.MockRouter, wallet_ledger_db_url: str
) -> None:
    """Stripe refusing a read with a rate limit (which the SDK never asks again) is waited out
    within the sweep, for the ``Retry-After`` Stripe names: the session is credited and the
    sweep completes, where failing it would cost the next sweep a new listing of the window."""
    page = {"object": "list", "data": [event_json(1)], "has_more": False}
    stripe_api.get(f"{API}/v1/events").respond(json=page)
    limited = httpx.Response(
        429, headers={"Retry-After": "1"}, json={"error": {"type": "invalid_request_error"}}
    )
    reads = stripe_api.get(f"{API}/v1/checkout/sessions/cs_1").mock(
        side_effect=[limited, httpx.Response(200, json=session_json(id="cs_1"))]
    )
    started = time.monotonic()
    report = sweep_report(wallet_ledger_db_url, now=T0)
    waited = time.monotonic() - started

    assert (report.credited, report.failed, reads.call_count) == (["cs_1"], {}, 2)
    assert waited >= 1.0
    assert watermarks(wallet_ledger_db_url) == 1


def test_a_session_whose_read_failed_for_now_is_read_again_after_the_settings_pause(
    stripe_api: respx.MockRouter, wallet_ledger_db_url: str
) -> None:
    """A 500 names no wait: the sweep reads the session again once its own pause has passed
    (``RECONCILE_RETRY_PAUSE_SECONDS``), and credits it."""
    page = {"object": "list", "data": [event_json(1)], "has_more": False}
    stripe_api.get(f"{API}/v1/events").respond(json=page)
    error = httpx.Response(500, json={"error": {"type": "api_error"}})
    read_at: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        read_at.append(time.monotonic())
        return error if len(read_at) == 1 else httpx.Response(200, json=session_json(id="cs_1"))

    stripe_api.get(f"{API}/v1/checkout/sessions/cs_1").mock(side_effect=answer)
    report = sweep_report(
        wallet_ledger_db_url,
        now=T0,
        stripe_max_network_retries=0,
        reconcile_retry_pause_seconds=0.8,  # longer than the default 0.5
    )

    assert (report.credited, report.failed) == (["cs_1"], {})
    assert len(read_at) == 2
    assert read_at[1] - read_at[0] >= 0.8


def test_a_session_stripe_does_not_know_is_not_asked_about_again_within_the_sweep(
    stripe_api: respx.MockRouter, wallet_ledger_db_url: str
) -> None:
    """A 404 is Stripe's final answer: the session fails the sweep after one read."""
    page = {"object": "list", "data": [event_json(1)], "has_more": False}
    stripe_api.get(f"{API}/v1/events").respond(json=page)
    missing = {"error": {"type": "invalid_request_error", "message": "No such checkout.session"}}
    reads = stripe_api.get(f"{API}/v1/checkout/sessions/cs_1").respond(404, json=missing)
    report = sweep_report(wallet_ledger_db_url, now=T0)
    assert (list(report.failed), reads.call_count) == (["cs_1"], 1)


def test_a_rate_limited_page_of_the_list_is_asked_again_after_retry_after(
    stripe_api: respx.MockRouter, wallet_ledger_db_url: str
) -> None:
    """A 429 on a page of the list is waited out and the same page asked again, up to
    ``LIST_RATE_LIMIT_WAITS`` times in a sweep; one more fails the sweep, as does a
    ``Retry-After`` longer than the app waits."""
    limited = httpx.Response(
        429, headers={"Retry-After": "0"}, json={"error": {"type": "invalid_request_error"}}
    )
    first = {"object": "list", "data": [event_json(3), event_json(2)], "has_more": True}
    last = {"object": "list", "data": [event_json(1)], "has_more": False}
    stripe_api.get(f"{API}/v1/events").mock(
        side_effect=[
            limited,
            httpx.Response(200, json=first),
            limited,
            httpx.Response(200, json=last),
        ]
    )
    gateway = StripeGateway(make_client(settings()))
    pages = list(gateway.checkout_event_pages(1, page_size=2, rate_limit_waits=2))
    assert sessions_of(pages) == ["cs_3", "cs_2", "cs_1"]
    starts = [form(call.request).get("starting_after") for call in stripe_api.calls]
    assert starts == [None, None, "evt_2", "evt_2"]

    stripe_api.get(f"{API}/v1/events").mock(side_effect=[limited] * (LIST_RATE_LIMIT_WAITS + 1))
    with pytest.raises(SweepFailed, match="could not list"):
        sweep(wallet_ledger_db_url, now=T0)
    too_long = httpx.Response(429, headers={"Retry-After": str(int(MAX_RETRY_AFTER_SECONDS) + 1)})
    stripe_api.get(f"{API}/v1/events").mock(side_effect=[too_long])
    with pytest.raises(SweepFailed, match="could not list"):
        sweep(wallet_ledger_db_url, now=T0)
    assert watermarks(wallet_ledger_db_url) == 0


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "2"}, 2.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "-1"}, None),
        ({}, None),
        (None, None),
    ],
)
def test_retry_after_is_read_from_stripes_refusal(
    headers: dict[str, str] | None, seconds: float | None
) -> None:
    error = stripe.RateLimitError("slow down", http_status=429, headers=headers)
    assert retry_after_seconds(error) == seconds


def test_the_sweep_fulfils_missed_sessions_several_at_once_and_each_once(
    stripe_api: respx.MockRouter, wallet_ledger_db_url: str
) -> None:
    """After an outage the sweep's wait is Stripe's round trips: it reads the missed sessions
    a few at a time (as many as its pool's connections, here 4). Each Stripe read below waits
    until four are in flight; one at a time, the reads would time out and nothing be credited."""
    in_flight = threading.Barrier(4, timeout=10)

    def paid_session(request: httpx.Request) -> httpx.Response:
        number = request.url.path.rsplit("_", 1)[1]
        in_flight.wait()
        return httpx.Response(
            200, json=session_json(id=f"cs_{number}", payment_intent=f"pi_{number}")
        )

    page = {"object": "list", "data": [event_json(n) for n in range(8, 0, -1)], "has_more": False}
    stripe_api.get(f"{API}/v1/events").respond(json=page)
    reads = stripe_api.get(url__regex=rf"{API}/v1/checkout/sessions/cs_\d+").mock(
        side_effect=paid_session
    )
    no_retries = {"pool_size": 4, "stripe_max_network_retries": 0}
    report = sweep_report(wallet_ledger_db_url, now=T0, **no_retries)
    again = sweep_report(wallet_ledger_db_url, now=T0 + 60, **no_retries)  # nothing to ask

    assert (sorted(report.credited), report.failed) == ([f"cs_{n}" for n in range(1, 9)], {})
    assert (again.credited, again.failed, reads.call_count) == ([], {}, 8)
    with psycopg.connect(wallet_ledger_db_url) as conn:
        rows = conn.execute(
            "select count(*), count(distinct stripe_checkout_session_id), sum(amount_pence)"
            " from credit_transactions where type = 'topup'"
        ).fetchone()
    assert rows == (8, 8, 8 * 5000)


def two_pages_and_a_read(
    stripe_api: respx.MockRouter, second_page: Any
) -> tuple[threading.Event, respx.Route]:
    """Page one shows cs_3 (paid, missed), page two is ``second_page(read_asked)``; the event
    is set once Stripe is asked for cs_3."""
    read_asked = threading.Event()

    def read(request: httpx.Request) -> httpx.Response:
        read_asked.set()
        return httpx.Response(200, json=session_json(id="cs_3", payment_intent="pi_3"))

    first = {"object": "list", "data": [event_json(3)], "has_more": True}
    stripe_api.get(f"{API}/v1/events").mock(
        side_effect=[httpx.Response(200, json=first), lambda request: second_page(read_asked)]
    )
    return read_asked, stripe_api.get(f"{API}/v1/checkout/sessions/cs_3").mock(side_effect=read)


def test_a_pages_missed_sessions_are_read_while_the_next_page_is_listed(
    stripe_api: respx.MockRouter, wallet_ledger_db_url: str
) -> None:
    """After an outage the list is long: the sweep starts on the sessions a page shows before
    it asks for the next page, rather than after the last one. Here Stripe answers page two
    only once the session on page one has been asked about (a sweep that listed everything
    first would never ask, and the check below would fail after 5 s)."""
    read_before_page_two: list[bool] = []

    def second_page(read_asked: threading.Event) -> httpx.Response:
        read_before_page_two.append(read_asked.wait(timeout=5))
        last = {"object": "list", "data": [event_json(1)], "has_more": False}
        return httpx.Response(200, json=last)

    _, reads = two_pages_and_a_read(stripe_api, second_page)
    stripe_api.get(f"{API}/v1/checkout/sessions/cs_1").respond(
        json=session_json(id="cs_1", payment_intent="pi_1")
    )
    report = sweep_report(wallet_ledger_db_url, now=T0, pool_size=4)

    assert read_before_page_two == [True]
    assert (sorted(report.credited), report.failed, reads.call_count) == (["cs_1", "cs_3"], {}, 1)
    asked = form(stripe_api.calls[0].request)  # the types it reads; expiries are no use to it
    assert [value for name, value in asked.items() if name.startswith("types")] == list(SWEPT)


def test_a_list_failing_part_way_lets_the_reads_begun_finish_and_keeps_the_watermark(
    stripe_api: respx.MockRouter, wallet_ledger_db_url: str
) -> None:
    """Page two fails after the read of page one's session has begun: the sweep fails, names
    the list, writes no watermark, and that read's credit is made (once), not thrown away."""
    error = {"error": {"type": "api_error", "message": "An unknown error occurred"}}

    def second_page(read_asked: threading.Event) -> httpx.Response:
        read_asked.wait(timeout=5)
        return httpx.Response(500, json=error)

    two_pages_and_a_read(stripe_api, second_page)
    with pytest.raises(SweepFailed, match="could not list"):
        sweep_report(wallet_ledger_db_url, now=T0, pool_size=4, stripe_max_network_retries=0)
    assert watermarks(wallet_ledger_db_url) == 0
    with psycopg.connect(wallet_ledger_db_url) as conn:
        credits = conn.execute(
            "select stripe_checkout_session_id from credit_transactions where type = 'topup'"
        ).fetchall()
    assert credits == [("cs_3",)]


def test_a_session_whose_bank_debit_failed_is_not_asked_about_again(
    stripe_api: respx.MockRouter, wallet_ledger_db_url: str
) -> None:
    """A failed bank debit leaves its session complete and unpaid for good: once the list holds
    its ``async_payment_failed``, the sweep asks Stripe nothing about it (a sweep after days
    of outage would otherwise read every failed debit again, each time). A debit still
    processing (completed, nothing since) is still read, and the sweep still completes."""
    failed = {**event_json(2), "id": "evt_2f", "type": "checkout.session.async_payment_failed"}
    page = {
        "object": "list",
        "data": [failed, event_json(3), event_json(2), event_json(1)],
        "has_more": False,
    }
    stripe_api.get(f"{API}/v1/events").respond(json=page)
    unpaid = {"payment_status": "unpaid", "status": "complete"}
    reads = {
        n: stripe_api.get(f"{API}/v1/checkout/sessions/cs_{n}").respond(
            json=session_json(id=f"cs_{n}", payment_intent=f"pi_{n}", **unpaid)
        )
        for n in (1, 2, 3)
    }

    report = sweep_report(wallet_ledger_db_url, now=T0)

    assert [n for n, route in reads.items() if route.called] == [1, 3]
    assert (report.sessions_seen, report.credited, report.failed) == (3, [], {})
    assert watermarks(wallet_ledger_db_url) == 1
