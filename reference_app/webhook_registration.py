"""Start-up, as in the report: make sure Stripe has a webhook endpoint for this app's URL, and
keep the signing secret Stripe returned in the database (reused on restart)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from reference_app.defects import Defects
from reference_app.settings import AppSettings
from reference_app.stripe_gateway import HANDLED_EVENTS, StripeGateway

log = logging.getLogger("reference_app.webhooks")

# where a stale tunnel used to be: nothing listens there any more
STALE_WEBHOOK_URL = "http://127.0.0.1:9/api/webhooks/stripe"
REGISTERING = 7_170_011  # the advisory lock's key: one web process registers at a time


@contextmanager
def _registering(conn: psycopg.Connection[Any]) -> Iterator[None]:
    """Web processes starting together (``web --processes N``) register one after another: the
    first makes the endpoint and stores its secret, the others find both, so every process
    verifies with the one secret Stripe signs with."""
    conn.execute("select pg_advisory_lock(%s)", (REGISTERING,))
    try:
        yield
    finally:
        conn.execute("select pg_advisory_unlock(%s)", (REGISTERING,))


def register_webhook_endpoint(
    settings: AppSettings, pool: ConnectionPool[Any], gateway: StripeGateway, defects: Defects
) -> str:
    """Return the signing secret to verify deliveries with."""
    url = STALE_WEBHOOK_URL if defects.on("stale-webhook-url") else settings.webhook_url
    events: tuple[str, ...] = HANDLED_EVENTS
    if defects.on("not-subscribed"):
        events = tuple(e for e in HANDLED_EVENTS if e != "checkout.session.completed")
    with pool.connection() as conn, _registering(conn):
        endpoint_id, secret = gateway.ensure_webhook_endpoint(url, events)
        if secret is None:
            row = conn.execute(
                "select signing_secret from stripe_webhook_endpoints where url = %s and"
                " endpoint_id = %s",
                (url, endpoint_id),
            ).fetchone()
            if row is not None:
                secret = str(row[0])
            else:  # Stripe shows a secret only once: start again with a new endpoint
                log.warning("no stored secret for webhook endpoint %s; re-creating it", endpoint_id)
                gateway.client.v1.webhook_endpoints.delete(endpoint_id)
                endpoint_id, secret = gateway.ensure_webhook_endpoint(url, events)
                assert secret is not None
        conn.execute(
            "insert into stripe_webhook_endpoints (url, endpoint_id, signing_secret,"
            " enabled_events) values (%s, %s, %s, %s) on conflict (url) do update set"
            " endpoint_id = excluded.endpoint_id, signing_secret = excluded.signing_secret,"
            " enabled_events = excluded.enabled_events",
            (url, endpoint_id, secret, list(events)),
        )
    log.info("webhook endpoint %s at %s for %s", endpoint_id, url, ", ".join(events))
    if settings.stripe_webhook_secret:
        return settings.stripe_webhook_secret  # explicitly configured: it wins
    if defects.on("wrong-secret"):
        return settings.stripe_secret_key  # the API key pasted where the signing secret goes
    return secret
