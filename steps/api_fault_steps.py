"""Stripe's API failing the app

Faults on the app's own requests to Stripe (an error status, a rate limit with Retry-After, no
answer until the app's timeout, a connection cut after Stripe did the work), at the stage that
makes the request: creating the Checkout Session, reading it to fulfil the top-up (the worker,
the landing page or the sweep), listing the events (the reconciliation sweep).

Which requests a fault touches is said the same way everywhere (REQUESTS): `the next time`,
`the next 2 times` or `every time`. Stripe's SDKs retry a 5xx, a timeout and a cut connection
once here (`max_network_retries`), never a 429, and each retry is a request of its own. A fault
is in place before the request it is meant for.
"""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from harness.checks.amounts import nothing_started
from harness.checks.api_faults import faulted_requests, sweep_fails_saying
from harness.drivers.api_faults import CREATION, LISTING, READ, ApiFaults
from harness.drivers.records import Records
from harness.profile.needs import needs
from harness.scenario import Scenario
from steps.sentences import MONEY, REQUEST_TIMES, REQUESTS, sentence

# -- creating the Checkout Session -------------------------------------------------------------


@given(
    parsers.re(r"Stripe's API answers (?P<status>\d{3}) once when a checkout session is created"),
    converters={"status": int},
)
def creation_fails_once(api_faults: ApiFaults, status: int) -> None:
    """Given Stripe's API answers STATUS once when a checkout session is created

    Example: Given Stripe's API answers 503 once when a checkout session is created

    Nothing is created; the SDK retries a 5xx once, and the retry gets through.
    """
    api_faults.answer(CREATION, status, times=1)


@given(
    parsers.re(r"Stripe's API answers (?P<status>\d{3}) to every checkout session creation"),
    converters={"status": int},
)
def creation_always_fails(api_faults: ApiFaults, status: int) -> None:
    """Given Stripe's API answers STATUS to every checkout session creation

    Example: Given Stripe's API answers 500 to every checkout session creation

    Retries included: no session is ever created, and the app must say so.
    """
    api_faults.answer(CREATION, status, times=None)


@given(
    parsers.re(
        r"Stripe's API rate limits checkout session creation with Retry-After"
        r" (?P<seconds>\d+) seconds?"
    ),
    converters={"seconds": int},
)
def creation_rate_limited(api_faults: ApiFaults, seconds: int) -> None:
    """Given Stripe's API rate limits checkout session creation with Retry-After N second(s)

    Example: Given Stripe's API rate limits checkout session creation with Retry-After 1 second

    Every creation is answered 429 with that Retry-After header; the SDKs never retry a 429.
    """
    api_faults.answer(CREATION, 429, times=None, retry_after=seconds)


@given("the connection is cut after Stripe creates the checkout session")
def creation_cut_after_processing(api_faults: ApiFaults) -> None:
    """Given the connection is cut after Stripe creates the checkout session

    Example: Given the connection is cut after Stripe creates the checkout session

    The next creation takes effect (the session exists, saved under the request's
    Idempotency-Key) and its answer is cut halfway: only a retry with the same key gets that
    session back instead of making a second one.
    """
    api_faults.cut(CREATION, times=1, processed=True)


# -- reading the session, and listing the events -----------------------------------------------


@given(
    parsers.re(rf"Stripe's API answers (?P<status>\d{{3}}) {REQUESTS} the app reads the session"),
    converters={**REQUEST_TIMES, "status": int},
)
def session_read_fails(api_faults: ApiFaults, status: int, requests: int | None) -> None:
    """Given Stripe's API answers STATUS REQUESTS the app reads the session

    Example: Given Stripe's API answers 500 the next 2 times the app reads the session

    Any read of a Checkout Session, whichever way the app fulfils (the worker, the landing page,
    the sweep).
    """
    api_faults.answer(READ, status, times=requests)


@given(
    parsers.re(rf"Stripe's API does not answer {REQUESTS} the app reads the session"),
    converters=REQUEST_TIMES,
)
def session_read_hangs(api_faults: ApiFaults, requests: int | None) -> None:
    """Given Stripe's API does not answer REQUESTS the app reads the session

    Example: Given Stripe's API does not answer the next time the app reads the session

    Real slowness: the connection is held until the app's own timeout for Stripe gives up (2
    seconds in the profiles here), so the scenario waits that long.
    """
    api_faults.time_out(READ, times=requests)


@given(
    parsers.re(rf"Stripe's API answers (?P<status>\d{{3}}) {REQUESTS} the events are listed"),
    converters={**REQUEST_TIMES, "status": int},
)
def event_list_fails(api_faults: ApiFaults, status: int, requests: int | None) -> None:
    """Given Stripe's API answers STATUS REQUESTS the events are listed

    Example: Given Stripe's API answers 500 the next 2 times the events are listed

    The reconciliation sweep's read of Stripe's event list (each page is a request).
    """
    api_faults.answer(LISTING, status, times=requests)


# -- what the app and the customer do about it -------------------------------------------------


@when(sentence(r'"{email}" tries to open Checkout for (?P<amount>{money})'), converters=MONEY)
def tries_to_open_checkout(wallet_scenario: Scenario, email: str, amount: int) -> None:
    """When "EMAIL" tries to open Checkout for MONEY

    Example: When "test@demo.com" tries to open Checkout for £50.00

    Chooses the amount on the dashboard and presses the top-up button; whether Checkout opens
    or the dashboard says why not is for the next steps to see.
    """
    wallet_scenario.customer(email).press_top_up(amount)


@when(parsers.re(r'the reconciliation sweep runs and fails saying "(?P<text>[^"]+)"'))
@needs("capabilities.reconcile")
def sweep_fails(wallet_scenario: Scenario, text: str) -> None:
    """When the reconciliation sweep runs and fails saying "TEXT"

    Example: When the reconciliation sweep runs and fails saying "could not list Stripe's
    events"

    The app's own `reconcile` command, once the stack is quiet: it must exit with an error and
    say TEXT (in any case), not crash in silence or claim success.
    """
    sweep_fails_saying(wallet_scenario, text)


@then(sentence(r'"{email}" was sent to no checkout page and nothing was charged'))
def nothing_charged(wallet_scenario: Scenario, records: Records, email: str) -> None:
    """Then "EMAIL" was sent to no checkout page and nothing was charged

    Example: Then "test@demo.com" was sent to no checkout page and nothing was charged

    Stripe holds no Checkout Session for the organisation, and its ledger has no top-up row.
    """
    nothing_started(wallet_scenario, records, email, "the failed top-up")


@then(
    parsers.re(r"Stripe's API faulted (?P<count>\d+) requests? of the app"),
    converters={"count": int},
)
def requests_faulted(api_faults: ApiFaults, count: int) -> None:
    """Then Stripe's API faulted N request(s) of the app

    Example: Then Stripe's API faulted 2 requests of the app

    The fake's rules took exactly N requests since the scenario began, retries included.
    """
    faulted_requests(api_faults, count)
