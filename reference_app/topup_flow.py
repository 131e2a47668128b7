"""Starting a top-up, and confirming one when the customer lands back on the dashboard."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

import stripe

from reference_app import ledger, topups
from reference_app.fulfilment import FulfilmentError, fulfil_checkout
from reference_app.money import format_pence
from reference_app.runtime import Runtime

log = logging.getLogger("reference_app.topups")

PRESET_AMOUNTS_PENCE = (1000, 2500, 5000, 10000)
# what the customer is told when Stripe fails or cannot be reached while the session is created
STRIPE_UNAVAILABLE = (
    "The payment page could not be opened just now; nothing was charged. Try again."
)


class TopupRefused(ValueError):
    """The request cannot start or show a top-up; the message says why (a 4xx)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class StartedTopup:
    session_id: str
    checkout_url: str
    amount_pence: int


@dataclass(frozen=True)
class TopupState:
    """What the dashboard shows while it waits: from the app's records, after asking Stripe."""

    session_id: str
    status: str  # credited | pending | awaiting_payment | failed | expired
    amount_pence: int
    balance_pence: int
    fulfilled_by: str | None
    message: str


def check_amount(runtime: Runtime, amount_pence: object) -> int:
    settings = runtime.settings
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int):
        raise TopupRefused("amount_pence must be a whole number of pence, e.g. 5000 for £50.00")
    if not settings.topup_min_pence <= amount_pence <= settings.topup_max_pence:
        raise TopupRefused(
            f"a top-up is from {format_pence(settings.topup_min_pence)} to"
            f" {format_pence(settings.topup_max_pence)}; got {format_pence(amount_pence)}"
        )
    return amount_pence


def start_topup(
    runtime: Runtime, org_id: str, amount_pence: object, customer_email: str | None
) -> StartedTopup:
    """Create the Checkout Session (amount validated here, org from the caller's identity) and
    record the top-up."""
    amount = check_amount(runtime, amount_pence)
    base = runtime.settings.public_base_url.rstrip("/")
    try:
        # one key for the SDK's own retries: a session Stripe created before the answer was
        # lost is answered again, never created twice
        session_id, url = runtime.gateway.create_checkout_session(
            org_id=org_id,
            amount_pence=amount,
            success_url=f"{base}/dashboard/wallet?session_id={{CHECKOUT_SESSION_ID}}",
            cancel_url=f"{base}/dashboard/wallet?cancelled=1",
            customer_email=customer_email,
            idempotency_key=f"topup-{uuid.uuid4()}",
        )
    except stripe.StripeError as error:
        log.warning("topup for org %s: Stripe refused or was unreachable: %s", org_id, error)
        if runtime.defects.on("checkout-error-unhandled"):
            raise  # defect: the customer gets a bare 500, and no word that nothing was charged
        raise TopupRefused(STRIPE_UNAVAILABLE, status=502) from error
    with runtime.pool.connection() as conn:
        topups.record_created(conn, session_id, org_id, amount)
    log.info("topup %s: created for org %s, %s", session_id, org_id, format_pence(amount))
    return StartedTopup(session_id, url, amount)


def confirm_topup(runtime: Runtime, org_id: str, session_id: str) -> TopupState:
    """The landing page's check: ask Stripe (unless the app only reads its database) and credit
    a paid session that no webhook has credited yet."""
    with runtime.pool.connection() as conn:
        topup = topups.get_topup(conn, session_id)
    others = topup is not None and topup.org_id != org_id
    if topup is None or (others and not runtime.defects.on("reference-check-ignores-org")):
        # another org's session is indistinguishable from a missing one
        raise TopupRefused(f"no top-up {session_id} for this organisation", status=404)
    if topup.status != "credited" and not runtime.defects.on("landing-page-db-only"):
        try:
            topup = fulfil_checkout(
                runtime.pool,
                runtime.gateway,
                session_id,
                path="landing",
                defects=runtime.defects,
                known=topup,
            ).topup
        except (FulfilmentError, stripe.StripeError) as error:
            # the webhook or the sweep may still credit it; the page keeps saying "confirming"
            log.warning("topup %s: landing check could not credit: %s", session_id, error)
            topup = None  # as it stands after the attempt: read below
    with runtime.pool.connection() as conn:
        topup = topup or topups.get_topup(conn, session_id)
        balance = ledger.wallet_balance_pence(conn, org_id)
    assert topup is not None
    status = "pending" if topup.status == "created" else topup.status
    return TopupState(
        session_id=session_id,
        status=status,
        amount_pence=topup.amount_pence,
        balance_pence=balance,
        fulfilled_by=topup.fulfilled_by,
        message=_message(status, topup.amount_pence, session_id, topup.failure_reason),
    )


def _message(status: str, amount: int, session_id: str, reason: str | None) -> str:
    money = format_pence(amount)
    return {
        "credited": f"{money} has been added to your wallet.",
        "pending": f"Your payment of {money} is being confirmed (reference {session_id}).",
        "awaiting_payment": (
            f"Your bank payment of {money} is on its way; it can take a few days"
            f" (reference {session_id})."
        ),
        "failed": (
            f"Your payment of {money} failed: {reason or 'the payment was not completed'}"
            f" (reference {session_id})."
        ),
        "expired": f"The checkout for {money} expired before payment (reference {session_id}).",
    }[status]
