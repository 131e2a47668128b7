"""Raw HTTP, for what the SDK hides: the 401 without a key, ``Stripe-Should-Retry: false`` on
every error, replay headers, unknown URLs, and bodies no SDK would send. Whatever arrives, the
answer is Stripe's error JSON with a 4xx, never a 5xx, and the server keeps serving."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fake_stripe.client import FakeStripeControl
from fake_stripe.server import FakeStripeServer

KEY = "sk_test_fake_123"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
GOOD_SESSION = (
    "mode=payment&success_url=http%3A%2F%2F127.0.0.1%3A9%2Fdone"
    "&line_items[0][quantity]=1&line_items[0][price_data][currency]=gbp"
    "&line_items[0][price_data][unit_amount]=5000"
    "&line_items[0][price_data][product_data][name]=Top-up"
)


@pytest.fixture
def http(fake_server: FakeStripeServer, control: FakeStripeControl) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=fake_server.base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=30
    ) as client:
        yield client


def assert_stripe_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["stripe-should-retry"] == "false"
    assert response.headers["request-id"].startswith("req_")
    error: dict[str, Any] = response.json()["error"]
    assert isinstance(error["message"], str)
    assert error["type"] in ("invalid_request_error", "idempotency_error", "api_error")
    return error


# -- authentication --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Token sk_test_x", "Basic !!!", "Basic " + "x" * 10],
)
def test_no_usable_key_is_a_401_in_stripes_shape(
    fake_server: FakeStripeServer, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}

    response = httpx.get(f"{fake_server.base_url}/v1/checkout/sessions", headers=headers)

    error = assert_stripe_error(response, 401)
    assert error["type"] == "invalid_request_error"
    assert "You did not provide an API key" in error["message"]
    assert response.headers["www-authenticate"] == 'Basic realm="Stripe"'


def test_a_live_key_is_a_401_that_does_not_echo_the_key(fake_server: FakeStripeServer) -> None:
    key = "sk_live_51Hsecretsecretsecret"

    response = httpx.get(
        f"{fake_server.base_url}/v1/events", headers={"Authorization": f"Bearer {key}"}
    )

    error = assert_stripe_error(response, 401)
    assert error["message"].startswith("Invalid API Key provided: sk_live_")
    assert key not in error["message"]


def test_basic_auth_with_the_key_as_user_works_as_curl_u_sends_it(
    fake_server: FakeStripeServer, control: FakeStripeControl
) -> None:
    token = base64.b64encode(f"{KEY}:".encode()).decode()

    response = httpx.get(
        f"{fake_server.base_url}/v1/events", headers={"Authorization": f"Basic {token}"}
    )

    assert response.status_code == 200
    assert response.json() == {"object": "list", "data": [], "has_more": False, "url": "/v1/events"}


# -- idempotency headers ---------------------------------------------------------------------


def test_a_replay_says_so_in_its_headers(http: httpx.Client) -> None:
    headers = {**FORM, "Idempotency-Key": "raw-1"}

    first = http.post("/v1/checkout/sessions", content=GOOD_SESSION, headers=headers)
    second = http.post("/v1/checkout/sessions", content=GOOD_SESSION, headers=headers)
    other = http.post(
        "/v1/checkout/sessions", content=GOOD_SESSION + "&client_reference_id=x", headers=headers
    )

    assert first.status_code == second.status_code == 200
    assert "idempotent-replayed" not in first.headers
    assert first.headers["idempotency-key"] == "raw-1"
    assert second.headers["idempotent-replayed"] == "true"
    assert second.headers["original-request"] == first.headers["request-id"]
    assert second.headers["request-id"] != first.headers["request-id"]
    assert second.json() == first.json()
    assert assert_stripe_error(other, 400)["type"] == "idempotency_error"


# -- unknown URLs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/charges"),
        ("GET", "/v1/nothing/here"),
        ("POST", "/v1/customers"),
        ("DELETE", "/v1/checkout/sessions"),
        ("PUT", "/v1/products"),
        ("PATCH", "/v1/webhook_endpoints/we_1"),
        ("GET", "/v1"),
        ("GET", "/v1/"),
        ("GET", "/v1/checkout/sessions/cs_test_1/line_items/extra"),
    ],
)
def test_an_unknown_url_is_stripes_404(http: httpx.Client, method: str, path: str) -> None:
    response = http.request(method, path)

    error = assert_stripe_error(response, 404)
    assert error["message"].startswith(f"Unrecognized request URL ({method}: {path})")


@pytest.mark.parametrize("path", ["/v1/%0A", "/v1%0Ax", "/v1x", "/v1/products/%0A/x"])
def test_an_odd_path_under_v1_is_still_stripes_404(http: httpx.Client, path: str) -> None:
    assert_stripe_error(http.get(path), 404)


def test_an_unknown_url_without_a_key_is_a_401_first(fake_server: FakeStripeServer) -> None:
    assert_stripe_error(httpx.get(f"{fake_server.base_url}/v1/nothing"), 401)


# -- bodies no SDK would send ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ("a[b]=1&a=2", "a"),
        ("a=2&a[b]=1", "a[b]"),
        ("expand[]=x&expand[0]=y", "expand[0]"),
        ("expand[0]=y&expand[]=x", "expand[]"),
        ("a[][b]=1", "a[][b]"),
        ("a]=1", "a]"),
        ("[a]=1", "[a]"),
        ("a[b=1", "a[b"),
        ("a%00b=1", "a\x00b"),
        ("a" + "[b]" * 20 + "=1", None),
        ("name=x&metadata[a][b]=1", "metadata"),
        ("name=x&active=maybe", "active"),
        ("name=" + "n" * 300, "name"),
        ("name[]=x", "name"),
        ("name=x&id[a]=1", "id"),
        ("name=", "name"),
    ],
)
def test_a_malformed_form_is_a_400(http: httpx.Client, body: str, param: str | None) -> None:
    response = http.post("/v1/products", content=body, headers=FORM)

    error = assert_stripe_error(response, 400)
    if param is not None:
        assert error["param"] == param


@pytest.mark.parametrize(
    "query",
    [
        "limit=" + "9" * 5000,  # Python refuses int() of over 4300 digits: must not be a 500
        "limit=%C2%B2",  # "²" is a digit to str.isdigit(), not to int()
        "limit=%D9%A3",  # an Arabic-Indic 3
        "limit=-0",
        "limit=1.0",
        "limit=0x10",
        "starting_after[]=x",
        "created[gte]=soon",
        "created[sometime]=1",
        "ending_before=a&starting_after=b",
    ],
)
def test_bad_query_values_are_400s(http: httpx.Client, query: str) -> None:
    assert_stripe_error(http.get(f"/v1/events?{query}"), 400)


def test_a_line_item_index_with_a_leading_zero_is_not_a_crash(http: httpx.Client) -> None:
    response = http.post(
        "/v1/checkout/sessions", content=GOOD_SESSION.replace("[0]", "[00]"), headers=FORM
    )

    assert assert_stripe_error(response, 400)["param"] == "line_items"


def test_metadata_keys_that_look_like_indexes_are_kept(http: httpx.Client) -> None:
    response = http.post("/v1/products", content="name=x&metadata[0]=a&metadata[1]=b", headers=FORM)

    assert response.status_code == 200, response.text
    assert response.json()["metadata"] == {"0": "a", "1": "b"}


@pytest.mark.parametrize(
    "body",
    [
        b"name=\xff\xfe",  # raw bytes that are not UTF-8
        b"name=%ff%fe",  # percent-encoded bytes that are not UTF-8
        b"\x80=1",
    ],
)
def test_a_body_that_is_not_utf8_is_a_400(http: httpx.Client, body: bytes) -> None:
    error = assert_stripe_error(http.post("/v1/products", content=body, headers=FORM), 400)

    assert "UTF-8" in error["message"]


def test_a_huge_body_is_a_400_and_the_server_keeps_serving(http: httpx.Client) -> None:
    body = "name=x&description=" + "d" * (3 << 20)

    response = http.post("/v1/products", content=body, headers=FORM)

    assert "too large" in assert_stripe_error(response, 400)["message"]
    assert http.get("/v1/products").json()["data"] == []


def test_too_many_fields_are_a_400(http: httpx.Client) -> None:
    body = "&".join(f"metadata[k{n}]=v" for n in range(10_001))

    assert_stripe_error(http.post("/v1/products", content="name=x&" + body, headers=FORM), 400)


def test_a_json_body_is_not_read_as_parameters(http: httpx.Client) -> None:
    response = http.post(
        "/v1/products", content=b'{"name": "x"}', headers={"Content-Type": "application/json"}
    )

    assert assert_stripe_error(response, 400)["param"] == "name"


# -- random input: never a 5xx ---------------------------------------------------------------

ROUTES = [
    ("POST", "/v1/checkout/sessions"),
    ("GET", "/v1/checkout/sessions"),
    ("GET", "/v1/checkout/sessions/cs_test_x"),
    ("GET", "/v1/checkout/sessions/cs_test_x/line_items"),
    ("POST", "/v1/checkout/sessions/cs_test_x/expire"),
    ("GET", "/v1/payment_intents"),
    ("GET", "/v1/payment_intents/pi_x"),
    ("GET", "/v1/charges/ch_x"),
    ("POST", "/v1/products"),
    ("GET", "/v1/products"),
    ("POST", "/v1/prices"),
    ("GET", "/v1/prices"),
    ("GET", "/v1/events"),
    ("GET", "/v1/events/evt_x"),
    ("POST", "/v1/webhook_endpoints"),
    ("GET", "/v1/webhook_endpoints"),
    ("POST", "/v1/webhook_endpoints/we_x"),
    ("DELETE", "/v1/webhook_endpoints/we_x"),
]
NAMES = [
    "mode",
    "line_items",
    "quantity",
    "price",
    "price_data",
    "product_data",
    "name",
    "currency",
    "unit_amount",
    "metadata",
    "expand",
    "limit",
    "created",
    "gte",
    "type",
    "types",
    "url",
    "enabled_events",
    "success_url",
    "expires_at",
    "0",
    "1",
    "",
]
VALUES = st.one_of(
    st.sampled_from(["", "1", "-1", "gbp", "payment", "*", "true", "x" * 300, "9" * 30]),
    st.text(max_size=20),
    st.integers().map(str),
)


@st.composite
def form_keys(draw: st.DrawFn) -> str:
    head = draw(st.sampled_from(NAMES[:-3]) | st.text(min_size=1, max_size=8))
    parts = draw(st.lists(st.sampled_from(NAMES) | st.text(max_size=5), max_size=5))
    return head + "".join(f"[{part}]" for part in parts)


BODIES = st.one_of(
    st.lists(st.tuples(form_keys(), VALUES), max_size=12).map(
        lambda pairs: "&".join(f"{key}={value}" for key, value in pairs).encode()
    ),
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
)
PATHS = st.one_of(
    st.sampled_from(ROUTES),
    st.tuples(
        st.sampled_from(["GET", "POST", "DELETE", "PUT"]),
        st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=4).map(
            lambda parts: "/v1/" + "/".join(quote(part, safe="") for part in parts)
        ),
    ),
)


def test_random_requests_never_get_a_5xx(
    fake_server: FakeStripeServer, control: FakeStripeControl, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        httpx.Client(base_url=fake_server.base_url, timeout=30) as client,
        caplog.at_level(logging.INFO, logger="fake_stripe.api"),
    ):

        @settings(
            max_examples=300,
            deadline=None,
            derandomize=True,  # the same examples every run, as everything else here is seeded
            database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(route=PATHS, body=BODIES, key=st.none() | st.text(max_size=10), auth=st.booleans())
        def check(route: tuple[str, str], body: bytes, key: str | None, auth: bool) -> None:
            method, path = route
            headers = {**FORM, "Authorization": f"Bearer {KEY}" if auth else ""}
            if key is not None and key.isascii() and key.isprintable():
                headers["Idempotency-Key"] = key
            if method in ("GET", "DELETE"):
                url = client.base_url.join(path).copy_with(query=_query(body))
                response = client.request(method, url, headers=headers)
            else:
                response = client.request(method, path, content=body, headers=headers)
            assert response.status_code < 500, response.text
            assert response.headers["content-type"].startswith("application/json")
            if response.status_code >= 400:
                assert response.headers["stripe-should-retry"] == "false"
                assert isinstance(response.json()["error"]["message"], str)

        check()
        alive = client.get("/v1/events", headers={"Authorization": f"Bearer {KEY}"})

    assert alive.status_code == 200
    assert not [
        r for r in caplog.records if r.name == "fake_stripe.api" and r.levelno >= logging.ERROR
    ]


def _query(body: bytes) -> bytes:
    """Random bytes as a query string a client can send (bad percent-escapes left in)."""
    return quote(body, safe="=&[]%+").encode()
