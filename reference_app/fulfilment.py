"""``fulfil_checkout``: the one way a paid Checkout Session becomes wallet credit.

Called from three paths that may race: the worker (a webhook arrived), the landing page (the
customer came back) and the reconciliation sweep (Stripe's event list). Following Stripe's
guidance it asks Stripe for the session, credits only a paid one, and is keyed on the session
id (``add_wallet_credits`` refuses a second credit), so it may run any number of times, at once.

What an event says about its session is a claim, checked against Stripe's answer: a correctly
signed event that disagrees (a leaked secret, a replay tool, a bug upstream) credits nothing and
is refused visibly, as is an event naming a session Stripe does not know. An event for a session
already credited is checked against that credit (what Stripe said then) and, when it agrees,
costs no second read: events for sessions the landing page credited first, or re-sent under a
new id, were a quarter of the worker's jobs in a 10,000 top-up simulation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import psycopg
import stripe
from psycopg_pool import ConnectionPool

from reference_app import ledger, topups
from reference_app.defects import Defects
from reference_app.stripe_gateway import CheckoutSessionView, StripeGateway

log = logging.getLogger("reference_app.fulfilment")

PATHS = ("webhook", "landing", "reconcile")


@dataclass(frozen=True)
class Fulfilment:
    """What one call did: credited now, found already credited, or why it did not credit."""

    session_id: str
    outcome: str  # credited | already_credited | unpaid | expired | open | refused
    topup: topups.Topup | None
    reason: str | None = None


class FulfilmentError(RuntimeError):
    """The session cannot be credited as it stands (e.g. no organisation on it); retried and
    then kept as a visible failure."""


class Refused(FulfilmentError):
    """Not to be credited, and asking again gives the same answer: kept as a failure at once,
    not retried."""


# what a checkout session is born with and keeps for life: an event must agree with Stripe on it
FIXED_AT_CREATION = ("client_reference_id", "amount_total", "currency")


def fulfil_checkout(
    pool: ConnectionPool[Any],
    gateway: StripeGateway,
    session_id: str,
    *,
    path: str,
    defects: Defects,
    event_id: str | None = None,
    claimed: dict[str, Any] | None = None,
    known: topups.Topup | None = None,
) -> Fulfilment:
    """``event_id``: the webhook event that led here, for the log (None on the other paths);
    ``claimed``: the session as that event shows it, to be checked against Stripe's;
    ``known``: the app's record of the top-up, where the caller has just read it (else it is
    read here where needed, before Stripe's answer)."""
    if path not in PATHS:
        raise ValueError(f"path must be one of {PATHS}")
    if claimed is not None and defects.on("trusts-event-payload"):
        view = _as_claimed(session_id, claimed)  # whatever the signed event says, believed
    else:
        # under non-idempotent-credit every delivery credits again, as that defect's app does
        if claimed is not None and not defects.on("non-idempotent-credit"):
            if known is None:
                with pool.connection() as conn:
                    known = topups.get_topup(conn, session_id)
            if known is not None and _agrees_with_credit(known, claimed):
                log.info(
                    "fulfil %s (event %s) via %s: already_credited (by %s; the event agrees)",
                    session_id,
                    event_id or "-",
                    path,
                    known.fulfilled_by,
                )
                return Fulfilment(session_id, "already_credited", known)
        view = _retrieve(gateway, session_id, defects)
        if claimed is not None and (wrong := disagreement(view, claimed)):
            raise Refused(f"the event disagrees with Stripe about {session_id}: {wrong}")
    with pool.connection() as conn:
        if view.payment_status == "unpaid" and not defects.on("credits-unpaid-sessions"):
            return _not_paid(conn, view, event_id)
        org_id = _org_of(view, defects)
        amount = _amount_of(view, defects)
        # recorded before, not inside, the credit's transaction: the row's reference to the
        # organisation takes a share lock on it that the credit's wallet lock would then wait
        # on, so two such fulfilments for one organisation at once would deadlock
        if known is None:  # a record read before is there still: rows are never deleted
            _ensure_topup(conn, view, org_id)
        try:
            credit, written = topups.credit(
                conn, view.id, org_id, amount, path, view.payment_intent_id
            )
        except ledger.LedgerError as error:
            # nothing was written; record the refusal on its own so it stays visible
            topups.mark_status(conn, view.id, "failed", str(error))
            raise FulfilmentError(f"{view.id}: {error}") from error
        topup = written or topups.get_topup(conn, view.id)
    outcome = "credited" if credit.applied else "already_credited"
    log.info(
        "fulfil %s (event %s) via %s: %s (%d pence to org %s, transaction %s)",
        view.id,
        event_id or "-",
        path,
        outcome,
        amount,
        org_id,
        credit.transaction_id,
    )
    return Fulfilment(view.id, outcome, topup)


def _agrees_with_credit(topup: topups.Topup, claimed: dict[str, Any]) -> bool:
    """Whether the top-up is credited and the event agrees with what Stripe said when it was:
    then asking Stripe again can change nothing (what the comparison reads is fixed at
    creation, and paid and complete are never undone), and the event costs one query. An event
    that disagrees is still checked against Stripe itself."""
    if topup.status != "credited":
        return False
    as_credited = CheckoutSessionView(
        id=topup.checkout_session_id,
        status="complete",
        payment_status="paid",
        amount_total=topup.amount_pence,
        currency=topup.currency,
        client_reference_id=topup.org_id,
        metadata={},
        payment_intent_id=topup.stripe_payment_intent_id,
        payment_intent_metadata={},
        amount_subtotal=topup.amount_pence,
    )
    return disagreement(as_credited, claimed) is None


def _retrieve(gateway: StripeGateway, session_id: str, defects: Defects) -> CheckoutSessionView:
    """Stripe's session. Only a 404 is a final answer; any other error (a 5xx, a 429, a timeout,
    a cut connection) is Stripe or the network failing for now, and the job is retried."""
    try:
        return gateway.retrieve_checkout_session(session_id)
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            raise Refused(f"Stripe knows no checkout session {session_id!r}") from error
        raise
    except stripe.StripeError as error:
        if defects.on("stripe-error-not-retried"):  # a passing failure taken as final
            raise Refused(f"Stripe could not confirm {session_id}: {error}") from error
        raise


def disagreement(view: CheckoutSessionView, claimed: dict[str, Any]) -> str | None:
    """Where an event's copy of a session contradicts Stripe's, in words; None when it does
    not. Only what cannot change is compared, and being paid or complete (neither is undone):
    an honest event may be older than Stripe's answer, never contrary to it."""
    wrong = [
        f"{key} {claimed[key]!r}, Stripe says {getattr(view, key)!r}"
        for key in FIXED_AT_CREATION
        if key in claimed and claimed[key] != getattr(view, key)
    ]
    for key, final in (("payment_status", "paid"), ("status", "complete")):
        if claimed.get(key) == final and getattr(view, key) != final:
            wrong.append(f"{key} {final!r}, Stripe says {getattr(view, key)!r}")
    return "; ".join(wrong) or None


def _as_claimed(session_id: str, claimed: dict[str, Any]) -> CheckoutSessionView:
    def text(key: str) -> str | None:
        value = claimed.get(key)
        return value if isinstance(value, str) else None

    def whole(key: str) -> int | None:
        value = claimed.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return CheckoutSessionView(
        id=session_id,
        status=text("status"),
        payment_status=text("payment_status") or "unpaid",
        amount_total=whole("amount_total"),
        currency=text("currency"),
        client_reference_id=text("client_reference_id"),
        metadata={},
        payment_intent_id=text("payment_intent"),
        payment_intent_metadata={},
        amount_subtotal=whole("amount_subtotal"),
    )


def _not_paid(
    conn: psycopg.Connection[Any], view: CheckoutSessionView, event_id: str | None
) -> Fulfilment:
    if view.status == "expired":
        topups.mark_status(conn, view.id, "expired", "the Checkout Session expired unpaid")
        outcome = "expired"
    elif view.status == "complete":  # a delayed method (bank debit) settling, or failed
        topups.mark_awaiting_payment(conn, view.id)
        outcome = "unpaid"
    else:
        outcome = "open"
    log.info(
        "fulfil %s (event %s): not paid (status %s), nothing credited",
        view.id,
        event_id or "-",
        view.status,
    )
    return Fulfilment(view.id, outcome, topups.get_topup(conn, view.id))


def _org_of(view: CheckoutSessionView, defects: Defects) -> str:
    if defects.on("org-from-payment-intent"):
        org_id = view.payment_intent_metadata.get("org_id")  # never set: Checkout does not copy
    else:
        org_id = view.client_reference_id
    if not org_id:
        raise FulfilmentError(f"checkout session {view.id} names no organisation")
    return org_id


def _amount_of(view: CheckoutSessionView, defects: Defects) -> int:
    if view.amount_total is None:
        raise FulfilmentError(f"checkout session {view.id} has no amount_total")
    if defects.on("amount-in-pounds"):
        return max(1, view.amount_total // 100)
    return view.amount_total


def _ensure_topup(conn: psycopg.Connection[Any], view: CheckoutSessionView, org_id: str) -> None:
    """A session this app did not record (started elsewhere, or its row lost) is recorded now,
    from what Stripe says."""
    if topups.get_topup(conn, view.id) is None and view.amount_total is not None:
        topups.record_created(conn, view.id, org_id, view.amount_total)
