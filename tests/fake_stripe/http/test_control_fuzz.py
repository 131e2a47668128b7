"""Random input to every ``/_control`` route: arbitrary JSON (huge and long numbers, deep
nesting, NUL, lone surrogates, any Unicode), arbitrary ids in the path and arbitrary queries.
Whatever arrives, the answer is JSON and never a 5xx, and the fake keeps serving.

The routes come from the control API's own table, so a route added later is fuzzed too. The
examples are the same every run (``derandomize``), as everything else here is seeded."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
import stripe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import Route

from fake_stripe.client import FakeStripeControl
from fake_stripe.http import control
from fake_stripe.server import FakeStripeServer
from tests.fake_stripe.conftest import new_session

ROUTES = [
    (method, route.path)
    for route in control.routes
    if isinstance(route, Route)
    for method in sorted(route.methods or ())
    if method != "HEAD"
]
WAITS = ("/_control/clock/advance", "/_control/deliveries/settle")  # may answer 504 (a timeout)
PLACEHOLDER = re.compile(r"\{(\w+)(?::path)?\}")
# the names the control API reads, so random bodies reach its checks and not only the parser
FIELDS = [
    "seed", "endpoints", "seconds", "timeout", "ids", "action", "match", "times", "params",
    "probability", "event_type", "object_id", "endpoint", "status", "count", "concurrent",
    "after", "age_seconds", "card", "expiry", "cvc", "email", "name", "method",
    "three_d_secure", "account_number", "wait_for_webhook", "overlap_seconds",
]  # fmt: skip
ACTIONS = ["drop", "fail", "duplicate", "delay", "hold", "reorder", "reissue", "stale_timestamp"]
TEXT = st.text(
    st.characters(exclude_categories=()),  # every code point, lone surrogates and NUL included
    max_size=12,
)
NUMBERS = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),  # past what a float holds
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -1, 1, 0.5, 2**63, 10**309, 316224000, 316224001]),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    NUMBERS,
    TEXT,
    st.sampled_from([*ACTIONS, "pass", "bacs_debit"]),
)
KEYS = st.sampled_from(FIELDS) | TEXT
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=12,
)
JSON_BODIES = st.dictionaries(KEYS, VALUES, max_size=6).map(
    lambda value: json.dumps(value).encode()  # ensure_ascii: a lone surrogate travels escaped
)
HOSTILE_BODIES = st.one_of(
    st.integers(1, 5000).map(lambda depth: b"[" * depth),
    st.integers(1, 5000).map(lambda depth: b'{"ids":' * depth),
    st.integers(1, 3000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.tuples(st.sampled_from(FIELDS), st.integers(1, 6000)).map(
        lambda pair: f'{{"{pair[0]}": {"9" * pair[1]}}}'.encode()
    ),
    st.sampled_from([b"", b"null", b"[]", b'"x"', b"NaN", b'{"seconds": Infinity}']),
    st.binary(max_size=60),
)
BODIES = st.one_of(JSON_BODIES, JSON_BODIES, HOSTILE_BODIES)
PATH_IDS = st.one_of(
    st.sampled_from(["{session}", "{endpoint}", "{event}", "fault_1", "dlv_1", "cs_test_x"]),
    st.text(st.characters(exclude_categories=()), min_size=1, max_size=20),
)
QUERIES = st.dictionaries(
    st.sampled_from(["event_id", "event_type", "object_id", "endpoint_id"]) | TEXT, TEXT, max_size=3
)


@pytest.fixture
def known_ids(
    control: FakeStripeControl, stripe_client: stripe.StripeClient, endpoint: stripe.WebhookEndpoint
) -> dict[str, str]:
    """Real ids, so some random calls act on real objects."""
    control.pay(new_session(stripe_client).id)
    control.settle()
    event = stripe_client.v1.events.list().data[0]
    session = new_session(stripe_client, payment_method_types=["card", "bacs_debit"])
    return {"{session}": session.id, "{endpoint}": endpoint.id, "{event}": event.id}


@pytest.fixture
def raw(fake_server: FakeStripeServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake_server.base_url, timeout=60) as client:
        yield client


def test_random_control_calls_never_get_a_5xx(
    raw: httpx.Client, known_ids: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    @settings(
        max_examples=1000,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        route=st.sampled_from(ROUTES),
        path_id=PATH_IDS,
        body=BODIES,
        query=QUERIES,
    )
    def check(route: tuple[str, str], path_id: str, body: bytes, query: dict[str, str]) -> None:
        method, template = route
        path = PLACEHOLDER.sub(_quoted(known_ids.get(path_id, path_id)), template)
        url = raw.base_url.join(path).copy_with(query=_query(query))

        response = raw.request(method, url, content=body)

        if response.status_code == 504:  # a wait that ran out: the documented answer
            assert template in WAITS, f"{method} {path}: {response.text[:500]}"
        else:
            assert response.status_code < 500, f"{method} {path}: {response.text[:500]}"
        assert response.headers["content-type"] == "application/json", response.text[:200]
        if response.status_code >= 400:
            assert isinstance(response.json()["error"]["message"], str)

    with caplog.at_level(logging.ERROR, logger="fake_stripe"):
        check()

    assert raw.get("/_control/health").json()["ok"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def _query(query: dict[str, str]) -> bytes:
    return "&".join(f"{_quoted(key)}={_quoted(value)}" for key, value in query.items()).encode()


def _quoted(text: str) -> str:
    """Any text for a URL, lone surrogates included (as the bytes that would encode them)."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")
