"""The hosted Checkout page (the session's ``url``): a form a person can pay with.

GET shows the form; POST pays through ``fake_stripe.resources.payments``, the code the control
API's ``pay`` calls too, so the page only parses, calls and renders. A 3-D Secure card leads to a
challenge page. Once paid, the page waits for the first answer to ``checkout.session.completed``
(as hosted Checkout does) and then sends the customer to ``success_url`` with a 303. A session
that is no longer open shows its status instead of the form: it can never be paid twice.

Card numbers, expiry dates, CVCs and bank account numbers are never echoed back into a page.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from fake_stripe.http.control_payments import wait_for_completed_webhook
from fake_stripe.objects.checkout import DELAYED_METHODS, CheckoutSession
from fake_stripe.objects.currencies import format_amount
from fake_stripe.resources.cards import DEBIT_FAILS, DEBIT_SUCCEEDS
from fake_stripe.resources.payments import (
    CardPayment,
    DebitPayment,
    PaymentOutcome,
    complete_authentication,
    pay_session,
)
from fake_stripe.service import FakeStripe

log = logging.getLogger("fake_stripe.checkout_page")

MAX_FORM_BYTES = 64 * 1024
METHOD_LABELS = {
    "card": "Card",
    "bacs_debit": "Bank debit (Bacs Direct Debit)",
    "sepa_debit": "Bank debit (SEPA Direct Debit)",
}
# the payment model's name for an invalid input -> the id of that input on the form
INPUT_IDS = {
    "email": "email",
    "number": "card-number",
    "expiry": "card-expiry",
    "cvc": "card-cvc",
    "account_number": "account-number",
}
KEPT_INPUTS = ("email", "payment_method", "cardholder_name", "account_holder_name")
HEADERS = {
    "Cache-Control": "no-store",  # Back and reload ask the server, which knows the session is paid
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}

_templates = Environment(
    loader=PackageLoader("fake_stripe", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


# -- handlers ---------------------------------------------------------------------------------


async def show_form(request: Request) -> Response:
    fake, session = _lookup(request)
    if session is None:
        return _not_found(fake)
    if session.status != "open":
        return _status_page(fake, session)
    return _form_page(fake, session, {"email": session.customer_email or ""})


async def submit(request: Request) -> Response:
    form = await _read_form(request)
    fake, session = _lookup(request)  # after the await: the session may have changed meanwhile
    if session is None:
        return _not_found(fake)
    if session.status != "open":
        return _status_page(fake, session, status_code=409)  # a second Pay pays nothing
    if form is None:
        return _form_page(fake, session, {}, error="The form was too large.", status_code=413)
    outcome = pay_session(
        fake.account, session.id, _payment(form), settle_after=fake.settings.settle_after
    )
    log.info("checkout page: %s payment attempt -> %s", session.id, outcome.status)
    if outcome.status == "requires_action":
        return RedirectResponse(_challenge_path(session), status_code=303, headers=HEADERS)
    return await _after_attempt(fake, outcome, {k: form.get(k, "") for k in KEPT_INPUTS})


async def show_challenge(request: Request) -> Response:
    fake, session = _lookup(request)
    if session is None:
        return _not_found(fake)
    if session.status != "open":
        return _status_page(fake, session)
    if session.awaiting_authentication is None:
        return RedirectResponse(_session_path(session), status_code=303, headers=HEADERS)
    return _render("challenge.html", fake, session, action=_challenge_path(session))


async def answer_challenge(request: Request) -> Response:
    form = await _read_form(request) or {}
    fake, session = _lookup(request)
    if session is None:
        return _not_found(fake)
    if session.status != "open":
        return _status_page(fake, session, status_code=409)
    if session.awaiting_authentication is None:
        return RedirectResponse(_session_path(session), status_code=303, headers=HEADERS)
    result = form.get("result")
    if result not in ("complete", "fail"):
        action = _challenge_path(session)
        return _render("challenge.html", fake, session, 400, action=action)
    outcome = complete_authentication(fake.account, session.id, passed=result == "complete")
    log.info("checkout page: %s 3-D Secure %s -> %s", session.id, result, outcome.status)
    # the email given with the payment (the first attempt's) fills the form again on a failure
    intent = fake.account.payment_intents.get(session.payment_intent or "")
    email = session.customer_email or (intent.receipt_email if intent else None) or ""
    return await _after_attempt(fake, outcome, {"email": email, "payment_method": "card"})


# -- responses --------------------------------------------------------------------------------


async def _after_attempt(
    fake: FakeStripe, outcome: PaymentOutcome, kept: dict[str, str]
) -> Response:
    """Paid (or a debit started): wait for the completed webhook's first answer, then 303 to
    ``success_url``. Declined or invalid: the form again, with the error inline."""
    if outcome.status in ("succeeded", "processing"):
        await wait_for_completed_webhook(fake, outcome)
        if outcome.redirect_url is None:
            return _status_page(fake, outcome.session)
        return RedirectResponse(outcome.redirect_url, status_code=303, headers=HEADERS)
    return _form_page(
        fake,
        outcome.session,
        kept,
        error=outcome.message,
        invalid_field=outcome.invalid_field,
        status_code=402 if outcome.status == "declined" else 400,
    )


def _form_page(
    fake: FakeStripe,
    session: CheckoutSession,
    values: dict[str, str],
    *,
    error: str | None = None,
    invalid_field: str | None = None,
    status_code: int = 200,
) -> Response:
    offered = [m for m in session.payment_method_types if m in METHOD_LABELS]
    chosen = values.get("payment_method")
    return _render(
        "checkout.html",
        fake,
        session,
        status_code,
        action=_session_path(session),
        methods=[(method, METHOD_LABELS[method]) for method in offered],
        chosen=chosen if chosen in offered else offered[0],
        offers_card="card" in offered,
        offers_debit=any(method in DELAYED_METHODS for method in offered),
        debit_accounts={"succeeds": DEBIT_SUCCEEDS, "fails": DEBIT_FAILS},
        values={key: values.get(key, "") for key in KEPT_INPUTS},
        email_locked=bool(session.customer_email),
        error=error,
        invalid_input=INPUT_IDS.get(invalid_field or ""),
    )


def _status_page(fake: FakeStripe, session: CheckoutSession, status_code: int = 200) -> Response:
    """Instead of the form once the session is complete or expired."""
    if session.status == "expired":
        state, return_url = "expired", session.cancel_url
    else:
        intent = fake.account.payment_intents.get(session.payment_intent or "")
        if session.payment_status == "paid":
            state = "paid"
        elif intent is not None and intent.status == "processing":
            state = "processing"
        else:
            state = "failed"  # a bank debit that did not settle
        return_url = PaymentOutcome("succeeded", session).redirect_url  # where paying led
    return _render("status.html", fake, session, status_code, state=state, return_url=return_url)


def _not_found(fake: FakeStripe) -> Response:
    return _render("status.html", fake, None, 404, state="not_found", return_url=None)


def _render(
    template: str,
    fake: FakeStripe,
    session: CheckoutSession | None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    if session is not None:
        context["amount"] = format_amount(session.amount_total, session.currency)
        context["line_items"] = [
            (item.description, item.quantity, format_amount(item.amount, session.currency))
            for item in session.line_items
        ]
        context["cancel_url"] = session.cancel_url
    html = _templates.get_template(template).render(merchant=fake.settings.merchant_name, **context)
    return HTMLResponse(html, status_code=status_code, headers=HEADERS)


# -- parsing ----------------------------------------------------------------------------------


def _lookup(request: Request) -> tuple[FakeStripe, CheckoutSession | None]:
    fake: FakeStripe = request.app.state.fake
    return fake, fake.account.sessions.get(request.path_params["id"])


async def _read_form(request: Request) -> dict[str, str] | None:
    """A urlencoded form post; None when it is too large to be one."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return None
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _payment(form: dict[str, str]) -> CardPayment | DebitPayment:
    email = form.get("email", "").strip() or None
    method = form.get("payment_method", "card")
    if method == "card":
        return CardPayment(
            number=form.get("card_number", ""),
            expiry=form.get("card_expiry", ""),
            cvc=form.get("card_cvc", ""),
            email=email,
            name=form.get("cardholder_name", "").strip() or None,
        )
    return DebitPayment(  # an unknown method is refused by pay_session, inline
        method=method,
        account_number=form.get("account_number", ""),
        email=email,
        name=form.get("account_holder_name", "").strip() or None,
    )


def _session_path(session: CheckoutSession) -> str:
    return f"/c/pay/{session.id}"


def _challenge_path(session: CheckoutSession) -> str:
    return f"/c/pay/{session.id}/authenticate"


routes: list[BaseRoute] = [
    Route("/c/pay/{id}", show_form, methods=["GET"]),
    Route("/c/pay/{id}", submit, methods=["POST"]),
    Route("/c/pay/{id}/authenticate", show_challenge, methods=["GET"]),
    Route("/c/pay/{id}/authenticate", answer_challenge, methods=["POST"]),
]
