"""The harness's record of Stripe's sessions, read from a running fake through the official SDK:
every session on every page once, with the fields the money checks judge by."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stripe

from fake_stripe.client import FakeStripeControl
from fake_stripe.server import FakeStripeServer
from harness.records.stripe import LIST_PAGE, stripe_session, stripe_sessions
from harness.stack.observer import observer_client
from tests.fake_stripe.conftest import new_session

SESSIONS = 2 * LIST_PAGE + 5  # three pages, the last one short


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeStripeServer]:
    with FakeStripeServer() as server:
        yield server


@pytest.fixture
def client(fake: FakeStripeServer) -> stripe.StripeClient:
    """The client the harness reads Stripe with (``WalletStack.stripe``)."""
    return observer_client("sk_test_fake_123", fake.base_url)


def test_every_session_on_every_page_is_read_once_with_what_the_sdk_shows(
    fake: FakeStripeServer, client: stripe.StripeClient
) -> None:
    created = [
        str(new_session(client, 100 + n, client_reference_id=f"org-{n % 7}").id)
        for n in range(SESSIONS)
    ]
    with FakeStripeControl(fake.base_url) as control:
        for session_id in created[::10]:
            control.pay(session_id, wait_for_webhook=False)

    listed = stripe_sessions(client)

    assert sorted(s.id for s in listed) == sorted(created)  # all of them, none twice
    by_id = {s.id: s for s in listed}
    for number, session_id in enumerate(created):
        session = by_id[session_id]
        assert session == stripe_session(client, session_id)  # the SDK's object, field by field
        assert (session.amount_pence, session.org_id) == (100 + number, f"org-{number % 7}")
        assert session.paid == (number % 10 == 0)
