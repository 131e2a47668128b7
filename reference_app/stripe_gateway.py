"""Every call the app makes to Stripe, through the official SDK and its httpx client.

The API base is configurable (the real Stripe in production, fake_stripe in tests); timeouts and
``max_network_retries`` are explicit, never the SDK's defaults by accident.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import stripe

from reference_app.settings import AppSettings

log = logging.getLogger("reference_app.stripe")

# the events the app handles; the webhook endpoint is registered for exactly these
HANDLED_EVENTS = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
)

# the longest Retry-After the app waits out before asking again; a longer one fails the call
MAX_RETRY_AFTER_SECONDS = 5.0
RATE_LIMIT_PAUSE_SECONDS = 1.0  # the wait after a 429 that names none


def retry_after_seconds(error: stripe.StripeError) -> float | None:
    """The wait Stripe asked for with a refusal (its ``Retry-After`` header, in seconds);
    None when it named none, or none that can be read."""
    for name, value in (error.headers or {}).items():
        if name.lower() == "retry-after":
            try:
                seconds = float(value)
            except ValueError:
                return None
            return seconds if seconds >= 0 else None
    return None


def rate_limit_wait(error: stripe.StripeError, default: float) -> float | None:
    """How long to wait before asking again after a refusal: its ``Retry-After``, else
    ``default``; None when Stripe asks for longer than ``MAX_RETRY_AFTER_SECONDS``."""
    wait = retry_after_seconds(error)
    wait = default if wait is None else wait
    return wait if wait <= MAX_RETRY_AFTER_SECONDS else None


@dataclass(frozen=True)
class CheckoutSessionView:
    """What fulfilment needs to know about a session, read from Stripe."""

    id: str
    status: str | None
    payment_status: str
    amount_total: int | None
    currency: str | None
    client_reference_id: str | None
    metadata: dict[str, str]
    payment_intent_id: str | None
    payment_intent_metadata: dict[str, str]
    amount_subtotal: int | None


def make_client(settings: AppSettings) -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.stripe_secret_key,
        base_addresses={"api": settings.stripe_api_base},
        http_client=stripe.HTTPXClient(
            timeout=settings.stripe_timeout_seconds, allow_sync_methods=True
        ),
        max_network_retries=settings.stripe_max_network_retries,
    )


class StripeGateway:
    def __init__(self, client: stripe.StripeClient) -> None:
        self.client = client

    def create_checkout_session(
        self,
        *,
        org_id: str,
        amount_pence: int,
        success_url: str,
        cancel_url: str,
        customer_email: str | None,
        idempotency_key: str,
    ) -> tuple[str, str]:
        """A Checkout Session for a wallet top-up; returns (session id, hosted page URL)."""
        params: Any = {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": "gbp",
                        "unit_amount": amount_pence,
                        "product_data": {"name": "Wallet top-up"},
                    },
                    "quantity": 1,
                }
            ],
            "client_reference_id": org_id,
            # the session carries the org; Stripe does not copy session metadata to the
            # PaymentIntent, and fulfilment never looks there
            "metadata": {"org_id": org_id, "purpose": "wallet_topup"},
            "payment_method_types": ["card", "bacs_debit"],
            "success_url": success_url,
            "cancel_url": cancel_url,
            **({"customer_email": customer_email} if customer_email else {}),
        }
        # the SDK's raw request (its retries, errors and headers, as any other call): building a
        # ``StripeObject`` of the whole session, to read two fields of it, was a fifth of the
        # web process's CPU and of the worker's (``retrieve_checkout_session``)
        session = self.client.raw_request(
            "post", "/v1/checkout/sessions", idempotency_key=idempotency_key, **params
        ).data
        if not session.get("url"):
            raise RuntimeError(f"Stripe returned checkout session {session['id']} without a url")
        return session["id"], session["url"]

    def retrieve_checkout_session(self, session_id: str) -> CheckoutSessionView:
        """The session and its PaymentIntent (expanded), as fulfilment reads them. The id is
        quoted into the path as the SDK's own ``retrieve`` does: it may come from a URL."""
        session = self.client.raw_request(
            "get", f"/v1/checkout/sessions/{quote_plus(session_id)}", expand=["payment_intent"]
        ).data
        intent: Any = session.get("payment_intent")
        expanded = isinstance(intent, dict)
        return CheckoutSessionView(
            id=session["id"],
            status=session.get("status"),
            payment_status=session["payment_status"],
            amount_total=session.get("amount_total"),
            amount_subtotal=session.get("amount_subtotal"),
            currency=session.get("currency"),
            client_reference_id=session.get("client_reference_id"),
            metadata=dict(session.get("metadata") or {}),
            payment_intent_id=intent["id"] if expanded else intent,
            payment_intent_metadata=dict(intent.get("metadata") or {}) if expanded else {},
        )

    def checkout_event_pages(
        self,
        created_after: int,
        *,
        types: Sequence[str] = HANDLED_EVENTS,
        page_size: int = 100,
        first_page_only: bool = False,
        rate_limit_waits: int = 0,
    ) -> Iterator[list[tuple[str, str, str]]]:
        """(event id, type, checkout session id) of the ``types`` of checkout events created
        from ``created_after`` on, a page at a time as Stripe lists them (newest first), every
        page: Stripe's documented way to recover missed webhooks. A caller may act on a page
        while the next is asked for.

        The SDK's raw request (its retries, errors and headers, as any other call): the sweep
        reads three fields of each event, and building a ``StripeObject`` of every event's
        whole Checkout Session was most of a sweep's CPU (about 0.7 ms an event).

        A page Stripe refuses with a rate limit (429, which the SDK never asks again) is asked
        again after the ``Retry-After`` it names, up to ``rate_limit_waits`` times in the whole
        listing, so a long listing is not thrown away for one; a wait longer than
        ``MAX_RETRY_AFTER_SECONDS``, or one too many, raises the 429."""
        params: dict[str, Any] = {
            "types": list(types),
            "created": {"gte": created_after},
            "limit": page_size,
        }
        while True:
            try:
                page = self.client.raw_request("get", "/v1/events", **params).data
            except stripe.RateLimitError as error:
                wait = rate_limit_wait(error, RATE_LIMIT_PAUSE_SECONDS)
                if rate_limit_waits <= 0 or wait is None:
                    raise
                rate_limit_waits -= 1
                log.info("events list rate limited: asking again in %.1f s", wait)
                time.sleep(wait)
                continue
            events = page.get("data") or []
            yield [(event["id"], event["type"], event["data"]["object"]["id"]) for event in events]
            if first_page_only:  # defect sweep-first-page-only: the oldest events are left out
                return
            if not page.get("has_more") or not events:
                return
            params["starting_after"] = events[-1]["id"]

    def ensure_webhook_endpoint(self, url: str, events: tuple[str, ...]) -> tuple[str, str | None]:
        """An endpoint for ``url`` subscribed to ``events``: reuse one (returns its id and None:
        Stripe shows a secret only at creation) or create one (returns its id and secret)."""
        for endpoint in self.client.v1.webhook_endpoints.list(params={"limit": 100}).data:
            if endpoint.url == url:
                missing = set(events) - set(endpoint.enabled_events)
                if missing and "*" not in endpoint.enabled_events:
                    wanted: Any = {
                        "enabled_events": sorted(set(events) | set(endpoint.enabled_events))
                    }
                    self.client.v1.webhook_endpoints.update(endpoint.id, params=wanted)
                return endpoint.id, None
        create: Any = {
            "url": url,
            "enabled_events": list(events),
            "description": "wallet top-ups (reference_app)",
        }
        created = self.client.v1.webhook_endpoints.create(params=create)
        log.info("registered webhook endpoint %s for %s", created.id, url)
        return created.id, created.secret
