"""Switchable real-world defects: the same app, broken the ways real teams break it.

``WALLET_DEFECTS=name[,name...]`` (or ``--defect`` on ``web``/``worker``) turns them on; default:
none. Each is one small, isolated code path, named where it lives by ``defects.on(NAME)``. They
reproduce the catalogue in STRIPE_NOTES.md; ``python -m reference_app defects`` lists them.

The three ledger defects (non-idempotent-credit, lost-update, ledger-row-missing) need a database
without a safeguard: ``defect_schema.apply_defect_schema`` removes it when the web app or the
worker starts, and puts it back when they start without the defect.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Defect:
    name: str
    stage: (
        str  # where it breaks: delivery, signature, queue, processing, ledger, fulfilment, UI,
        # access
    )
    symptom: str


CATALOGUE: tuple[Defect, ...] = (
    Defect(
        "stale-webhook-url",
        "delivery",
        "the endpoint is registered at an old URL: Stripe's deliveries never arrive",
    ),
    Defect(
        "route-not-mounted",
        "delivery",
        "POST /api/webhooks/stripe answers 404: every delivery fails",
    ),
    Defect(
        "webhook-redirect",
        "delivery",
        "the webhook route redirects (308): Stripe counts a 3xx as a failure",
    ),
    Defect(
        "csrf-blocks-webhook",
        "delivery",
        "CSRF protection covers the webhook route: every delivery gets 403",
    ),
    Defect(
        "not-subscribed", "delivery", "the endpoint is not subscribed to checkout.session.completed"
    ),
    Defect(
        "body-reserialised",
        "signature",
        "the body is parsed as JSON and re-serialised before the check: every signature fails",
    ),
    Defect(
        "wrong-secret",
        "signature",
        "webhooks are verified with the API key instead of the endpoint's signing secret",
    ),
    Defect(
        "worker-not-started", "queue", "the worker never starts: jobs wait in the queue for ever"
    ),
    Defect(
        "job-errors-swallowed",
        "queue",
        "a failing job is logged and marked done: no retry, no visible failure",
    ),
    Defect(
        "returns-200-on-error",
        "queue",
        "the endpoint processes inline and answers 200 even when processing fails",
    ),
    Defect(
        "ack-before-store",
        "queue",
        "deliveries are answered 200 and written in batches a second later: a crash of the web"
        " process loses events Stripe was told were received",
    ),
    Defect(
        "no-stalled-job-recovery",
        "queue",
        "a job whose worker was killed mid-job stays 'doing' for ever: nothing queues it again",
    ),
    Defect(
        "org-from-payment-intent",
        "processing",
        "the org is read from the PaymentIntent's metadata, which Checkout never fills",
    ),
    Defect(
        "amount-in-pounds",
        "processing",
        "the amount is read as pounds and divided by 100: £50 credits 50p",
    ),
    Defect(
        "credits-unpaid-sessions",
        "processing",
        "checkout.session.completed is credited even while payment_status is unpaid",
    ),
    Defect(
        "trusts-event-payload",
        "processing",
        "the session is read from the event, not asked of Stripe: a signed event that lies credits",
    ),
    Defect(
        "ignores-async-success",
        "processing",
        "checkout.session.async_payment_succeeded is ignored: delayed payments never credit",
    ),
    Defect(
        "non-idempotent-credit",
        "ledger",
        "every delivery credits again: duplicates and retries credit twice",
    ),
    Defect(
        "lost-update",
        "ledger",
        "the balance is read, then written, without a lock: concurrent credits lose one",
    ),
    Defect(
        "ledger-row-missing",
        "ledger",
        "the balance moves but no credit_transactions row is written",
    ),
    Defect(
        "business-error-status",
        "ledger",
        "an already-credited session answers 500, so Stripe retries a done job for days",
    ),
    Defect(
        "slow-handler",
        "ledger",
        "the endpoint processes inline and slowly: Stripe times out and retries",
    ),
    Defect(
        "landing-page-db-only",
        "fulfilment",
        "the landing page only reads the database: a lost webhook is never recovered",
    ),
    Defect(
        "no-reconciliation",
        "fulfilment",
        "nothing sweeps Stripe's event list (no schedule, no reconcile command): a webhook"
        " lost for good stays lost",
    ),
    Defect(
        "dashboard-never-refreshes",
        "UI",
        "the dashboard does not poll after the redirect: the balance looks unchanged",
    ),
    Defect(
        "dashboard-silent-on-failure",
        "UI",
        "failed, expired or slow payments show no message at all",
    ),
    Defect(
        "reference-check-ignores-org",
        "access",
        "the landing check finds a top-up by its session id alone: an organisation holding"
        " another's reference sees (and confirms) its payment",
    ),
    Defect(
        "live-row-drifts",
        "UI",
        "the rows the page's script adds after a credit are rendered apart from the server's"
        " (the balance after each without its £): the live list and a reload disagree",
    ),
    Defect(
        "pounds-as-float",
        "UI",
        "the custom amount is parsed through a float and truncated to pence: £19.99 is charged"
        " and credited as £19.98",
    ),
    Defect(
        "sweep-first-page-only",
        "fulfilment",
        "the reconciliation sweep reads only the first page of Stripe's event list (the newest):"
        " after an outage with more events than a page, the oldest paid top-ups stay uncredited",
    ),
    Defect(
        "checkout-error-unhandled",
        "UI",
        "a Stripe error while the Checkout Session is created escapes: the customer gets a bare"
        " 500, with no word that nothing was charged",
    ),
    Defect(
        "stripe-error-not-retried",
        "fulfilment",
        "the worker takes any Stripe error on reading the paid session (a 500, a timeout) as a"
        " final answer: the job fails at once, never retried, and the payment stays uncredited",
    ),
    Defect(
        "sweep-fixed-lookback",
        "fulfilment",
        "the reconciliation sweep looks back a fixed window with no watermark: an outage longer"
        " than the window leaves its earliest paid top-ups uncredited",
    ),
)

BY_NAME = {defect.name: defect for defect in CATALOGUE}

PRESETS: dict[str, frozenset[str]] = {
    # the report, exactly: paid, redirected, balance unchanged, no row, no error shown
    "seed-bug": frozenset(
        {
            "stale-webhook-url",
            "landing-page-db-only",
            "no-reconciliation",
            "dashboard-silent-on-failure",
        }
    ),
}


class UnknownDefect(ValueError):
    """A defect name that is not in the catalogue; the message lists the valid ones."""


class Defects:
    """The defects switched on for this process."""

    def __init__(self, names: frozenset[str] | set[str] = frozenset()) -> None:
        expanded: set[str] = set()
        for name in names:
            if name in PRESETS:
                expanded |= PRESETS[name]
            elif name in BY_NAME:
                expanded.add(name)
            else:
                valid = ", ".join([*PRESETS, *BY_NAME])
                raise UnknownDefect(f"unknown defect {name!r}; known: {valid}")
        self.names = frozenset(expanded)

    def on(self, name: str) -> bool:
        if name not in BY_NAME:
            raise UnknownDefect(f"the code asks about an unknown defect {name!r}")
        return name in self.names

    def __bool__(self) -> bool:
        return bool(self.names)

    def __repr__(self) -> str:
        return f"Defects({sorted(self.names)})"
