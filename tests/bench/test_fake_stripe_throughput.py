"""The fake's throughput bench compares like with like: its plain client sends the same
creation the official SDK sends (the same form body, byte for byte), so the two figures differ
only in what the client spends, not in what the fake is asked."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import stripe

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from fake_stripe_throughput import form_body, form_fields, session_params  # noqa: E402


def sdk_creation_body(params: dict[str, object]) -> str:
    """The body the SDK posts to create a Checkout Session with ``params``, caught in transit."""
    bodies: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content.decode())
        return httpx.Response(200, json={"id": "cs_test_1", "object": "checkout.session"})

    transport = httpx.Client(transport=httpx.MockTransport(answer))
    client = stripe.StripeClient(
        "sk_test_bench",
        base_addresses={"api": "http://fake.invalid"},
        http_client=stripe.HTTPXClient(allow_sync_methods=True),
        max_network_retries=0,
    )
    client._requestor._client._client = transport  # type: ignore[attr-defined]
    client.v1.checkout.sessions.create(params=params)  # type: ignore[arg-type]
    return bodies[0]


def test_the_plain_clients_creation_is_the_sdks_byte_for_byte() -> None:
    params = session_params(1234)
    assert form_body(params) == sdk_creation_body(params)


def test_nested_parameters_are_encoded_with_stripes_brackets() -> None:
    fields = form_fields({"a": {"b": [{"c": 1}, "d"]}, "e": "f g"})
    assert fields == [("a[b][0][c]", "1"), ("a[b][1]", "d"), ("e", "f g")]
