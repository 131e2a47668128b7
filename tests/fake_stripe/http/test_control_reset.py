"""``POST /_control/reset``: state back to the start, and ids that never come back. A reset
without a seed keeps drawing from the same stream, so an app whose database outlives the reset
never meets an old session's id on a new payment; a reset that names a seed replays the ids a
fresh fake with that seed hands out (and never the id of an endpoint that survived it)."""

from __future__ import annotations

import stripe

from fake_stripe.client import FakeStripeControl
from fake_stripe.server import FakeStripeServer
from fake_stripe.service import Settings
from tests.fake_stripe.conftest import new_session
from tests.fake_stripe.receiver import Receiver

COMPLETED = "checkout.session.completed"


def sdk_client(server: FakeStripeServer) -> stripe.StripeClient:
    return stripe.StripeClient(
        "sk_test_fake_123",
        base_addresses={"api": server.base_url},
        http_client=stripe.HTTPXClient(allow_sync_methods=True),
        max_network_retries=0,
    )


def ids_of_a_paid_top_up(client: stripe.StripeClient, control: FakeStripeControl) -> list[str]:
    """Every Stripe id one paid session makes: the session, its intent, charge and events."""
    session = new_session(client)
    control.pay(session.id)
    [intent] = client.v1.payment_intents.list().data
    events = client.v1.events.list(params={"limit": 100}).data
    return [session.id, intent.id, intent.latest_charge or "", *(e.id for e in events)]


def test_reset_clears_state_faults_deliveries_and_the_clock_but_keeps_endpoints(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    control.add_fault("hold", event_type=COMPLETED)
    control.pay(new_session(stripe_client).id)
    control.advance(hours=1)
    assert control.deliveries().pending

    control.reset()
    control.release()
    control.settle()

    assert control.faults() == []
    assert control.injected() == {}
    assert control.deliveries().attempts == []
    assert control.deliveries().pending == []
    assert control.clock().offset == 0
    assert stripe_client.v1.events.list().data == []
    assert stripe_client.v1.checkout.sessions.list().data == []
    assert receiver.of_type(COMPLETED) == []  # the held delivery went with the reset
    assert [e.id for e in stripe_client.v1.webhook_endpoints.list().data] == [endpoint.id]

    control.reset(endpoints=True)

    assert stripe_client.v1.webhook_endpoints.list().data == []


def test_a_reset_without_a_seed_never_hands_out_an_id_again(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    before = ids_of_a_paid_top_up(stripe_client, control)

    control.reset()
    after = ids_of_a_paid_top_up(stripe_client, control)

    assert set(before).isdisjoint(after)
    assert [i[:3] for i in after] == [i[:3] for i in before]  # the same kinds of object
    assert control.health()["seed"] == 7  # the seed the last reset named stays the fake's
    # the control API's own handles (fault_N, dlv_N) are numbered afresh by every reset
    assert control.add_fault("hold", event_type=COMPLETED).id == "fault_1"


def test_a_reset_with_a_seed_replays_the_ids_of_a_fresh_fake_with_that_seed(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    ids_of_a_paid_top_up(stripe_client, control)  # the stream moves on
    control.reset(seed=5)
    replayed = ids_of_a_paid_top_up(stripe_client, control)

    with FakeStripeServer(Settings(seed=5)) as fresh, FakeStripeControl(fresh.base_url) as own:
        assert ids_of_a_paid_top_up(sdk_client(fresh), own) == replayed
    control.reset(seed=6)
    assert set(ids_of_a_paid_top_up(stripe_client, control)).isdisjoint(replayed)


def test_a_seeded_replay_never_reuses_the_id_of_an_endpoint_that_survived_it(
    stripe_client: stripe.StripeClient, control: FakeStripeControl, receiver: Receiver
) -> None:
    control.reset(endpoints=True, seed=5)
    kept = stripe_client.v1.webhook_endpoints.create(
        params={"url": receiver.url, "enabled_events": ["*"]}
    )

    control.reset(seed=5)  # the endpoint survives; the ids replay from the start
    added = stripe_client.v1.webhook_endpoints.create(
        params={"url": receiver.url + "?second", "enabled_events": ["*"]}
    )

    assert added.id != kept.id
    assert added.secret != kept.secret
    listed = {e.id: e.url for e in stripe_client.v1.webhook_endpoints.list().data}
    assert listed == {kept.id: receiver.url, added.id: receiver.url + "?second"}
