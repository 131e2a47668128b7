"""A running fake (one per test session, reset before each test), a Stripe client pointed at
it through the SDK's httpx client, the control client, and a verifying webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stripe

from fake_stripe.client import FakeStripeControl
from fake_stripe.server import FakeStripeServer
from fake_stripe.service import Settings
from tests.fake_stripe.receiver import Receiver

DELIVERY_TIMEOUT = 1.0  # real seconds: short, so timeout tests stay quick


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeStripeServer]:
    settings = Settings(seed=7, delivery_timeout=DELIVERY_TIMEOUT, checkout_wait=5.0)
    with FakeStripeServer(settings) as server:
        yield server


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def control(fake_server: FakeStripeServer) -> Iterator[FakeStripeControl]:
    with FakeStripeControl(fake_server.base_url) as client:
        client.reset(endpoints=True, seed=7)
        yield client


@pytest.fixture
def stripe_client(fake_server: FakeStripeServer, control: FakeStripeControl) -> stripe.StripeClient:
    return stripe.StripeClient(
        "sk_test_fake_123",
        base_addresses={"api": fake_server.base_url},
        http_client=stripe.HTTPXClient(allow_sync_methods=True),
        max_network_retries=0,
    )


@pytest.fixture
def endpoint(stripe_client: stripe.StripeClient, receiver: Receiver) -> stripe.WebhookEndpoint:
    """An endpoint subscribed to every event, pointing at the receiver, which knows its secret."""
    created = stripe_client.v1.webhook_endpoints.create(
        params={"url": receiver.url, "enabled_events": ["*"]}
    )
    receiver.reset(created.secret)
    return created


def new_session(
    client: stripe.StripeClient, amount: int = 5000, **extra: object
) -> stripe.checkout.Session:
    params: dict[str, object] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": amount,
                    "product_data": {"name": "Wallet top-up"},
                },
                "quantity": 1,
            }
        ],
        "success_url": "http://127.0.0.1:9/dashboard/wallet?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://127.0.0.1:9/dashboard/wallet?cancelled=1",
        "client_reference_id": "ad9306a9-4d8a-4685-a667-cbeb7eb01a07",
        **extra,
    }
    return client.v1.checkout.sessions.create(params=params)  # type: ignore[arg-type]
