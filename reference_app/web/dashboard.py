"""``/dashboard/wallet``: the balance, the transactions, the top-up form, and the landing after
Checkout (``?session_id=``), where a script polls ``GET /api/wallet/topups/{session_id}`` until
the credit is in, and says so clearly when it is not."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import asdict, dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from psycopg_pool import ConnectionPool
from starlette.concurrency import run_in_threadpool

from reference_app.money import format_pence
from reference_app.runtime import Runtime
from reference_app.topup_flow import PRESET_AMOUNTS_PENCE, TopupRefused, start_topup
from reference_app.web.identity import CurrentIdentity, Identity, identity_of
from reference_app.web.openapi_bodies import DASHBOARD_TOPUP
from reference_app.web.pages import render
from reference_app.web.request_input import whole_number

log = logging.getLogger("reference_app.dashboard")
router = APIRouter()

PAGE = "/dashboard/wallet"
POLL_INTERVAL_MS = 500
POLL_LIMIT_MS = 30_000
CUSTOM = "custom"
TRANSACTIONS_SHOWN = 50
TYPE_NAMES = {
    "topup": "Top-up",
    "sms": "SMS",
    "call": "Call",
    "phone_number": "Phone number",
    "refund": "Refund",
    "adjustment": "Adjustment",
}
# pounds as people type them: "50", "12.5", "£12.50", "1,000"
# (ASCII digits only: \d and int() also take other scripts' digits, such as Arabic-Indic ones)
_POUNDS = re.compile(r"£?\s*([0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,9})(?:\.([0-9]{1,2}))?")


@dataclass(frozen=True)
class TransactionRow:
    id: int
    when: str  # ISO 8601, for <time datetime>
    when_text: str
    label: str  # "Top-up +£50.00", "SMS -£0.04"
    description: str
    balance_after: str


@dataclass(frozen=True)
class Wallet:
    org_name: str
    balance_pence: int
    transactions: list[TransactionRow]


@router.get(PAGE, response_model=None)
def wallet_page(
    request: Request, session_id: str | None = None, cancelled: str | None = None
) -> Response:
    identity = identity_of(request)
    if identity is None:
        return RedirectResponse("/login", status_code=303)
    landing = None
    runtime: Runtime = request.app.state.runtime
    if session_id and not runtime.defects.on("dashboard-never-refreshes"):
        landing = {
            "session_id": session_id,
            "interval_ms": POLL_INTERVAL_MS,
            "limit_ms": POLL_LIMIT_MS,
            "silent": runtime.defects.on("dashboard-silent-on-failure"),
        }
    return _page(request, identity, landing=landing, cancelled=cancelled is not None)


@router.get(f"{PAGE}/transactions")
def wallet_transactions(request: Request, identity: CurrentIdentity) -> JSONResponse:
    """The page's script reads this after a credit, to add the new rows without a reload."""
    runtime: Runtime = request.app.state.runtime
    wallet = _wallet(runtime.pool, identity.org_id)
    rows = [asdict(row) for row in wallet.transactions]
    if runtime.defects.on("live-row-drifts"):  # a second renderer that drifted from the page's
        rows = [row | {"balance_after": row["balance_after"].replace("£", "")} for row in rows]
    return JSONResponse(
        {
            "balance": format_pence(wallet.balance_pence),
            "balance_pence": wallet.balance_pence,
            "transactions": rows,
        },
        headers={"cache-control": "no-store"},
    )


@router.post(f"{PAGE}/topup", response_model=None, openapi_extra=DASHBOARD_TOPUP)
async def start_topup_from_form(request: Request) -> Response:
    identity = await run_in_threadpool(identity_of, request)
    if identity is None:
        return RedirectResponse("/login", status_code=303)
    form = await request.form()
    choice = str(form.get("amount") or "")
    custom = str(form.get("custom_amount") or "").strip()
    runtime: Runtime = request.app.state.runtime
    try:
        amount = chosen_amount_pence(choice, custom, as_float=runtime.defects.on("pounds-as-float"))
        started = await run_in_threadpool(
            start_topup, runtime, identity.org_id, amount, identity.email
        )
    except TopupRefused as refused:  # bad input (400), or Stripe failing (502)
        return await run_in_threadpool(
            _page,
            request,
            identity,
            error=str(refused),
            choice=choice,
            custom=custom,
            status=refused.status,
        )
    return RedirectResponse(started.checkout_url, status_code=303)


def chosen_amount_pence(choice: str, custom: str, *, as_float: bool = False) -> int:
    """The amount from the form: one of the preset choices, or a custom amount in pounds (its
    limits are ``start_topup``'s), converted to pence by its digits, never through a float.
    ``as_float``: the ``pounds-as-float`` defect, ``int(float(pounds) * 100)``, which loses a
    penny on amounts a float cannot hold (``19.99`` -> 1998)."""
    if choice == CUSTOM:
        match = _POUNDS.fullmatch(custom)
        if match is None:
            raise TopupRefused(
                f"Enter the custom amount in pounds, like 12.50; {custom!r} is not an amount."
                if custom
                else "Enter a custom amount in pounds, like 12.50."
            )
        pounds, pence = match.group(1).replace(",", ""), (match.group(2) or "").ljust(2, "0")
        if as_float:
            return int(float(f"{pounds}.{pence}") * 100)
        return int(pounds) * 100 + int(pence)
    preset = whole_number(choice, max_digits=9)
    if preset in PRESET_AMOUNTS_PENCE:
        if custom:
            raise TopupRefused(
                f"You chose {format_pence(preset)} and typed a custom amount ({custom}):"
                " choose Other amount to pay the custom amount, or clear it."
            )
        return preset
    presets = ", ".join(format_pence(p) for p in PRESET_AMOUNTS_PENCE)
    raise TopupRefused(f"Choose an amount to top up: {presets} or a custom amount.")


def _page(
    request: Request,
    identity: Identity,
    *,
    landing: dict[str, Any] | None = None,
    cancelled: bool = False,
    error: str | None = None,
    choice: str = "",
    custom: str = "",
    status: int = 200,
) -> Response:
    runtime: Runtime = request.app.state.runtime
    settings = runtime.settings
    wallet = _wallet(runtime.pool, identity.org_id)
    presets = [
        (str(p), f"£{p // 100}" if p % 100 == 0 else format_pence(p)) for p in PRESET_AMOUNTS_PENCE
    ]
    context = {
        "email": identity.email,
        "org_name": wallet.org_name,
        "balance": format_pence(wallet.balance_pence),
        "transactions": wallet.transactions,
        "presets": presets,
        "custom_choice": CUSTOM,
        "choice": choice,
        "custom": custom,
        "minimum": format_pence(settings.topup_min_pence),
        "maximum": format_pence(settings.topup_max_pence),
        "landing": landing,
        "cancelled": cancelled,
        "error": error,
    }
    return render(request, "dashboard.html", context, status_code=status)


def _wallet(pool: ConnectionPool[Any], org_id: str) -> Wallet:
    with pool.connection() as conn:
        org = conn.execute(
            "select name, wallet_balance_pence from organizations where id = %s", (org_id,)
        ).fetchone()
        rows = conn.execute(
            "select id, type, direction, amount_pence, balance_after_pence, description,"
            " created_at from credit_transactions where org_id = %s order by id desc limit %s",
            (org_id, TRANSACTIONS_SHOWN),
        ).fetchall()
    if org is None:  # the user's organisation is gone: nothing to show, but no 500
        return Wallet(org_name="", balance_pence=0, transactions=[])
    return Wallet(org_name=org[0], balance_pence=org[1], transactions=[_row(*r) for r in rows])


def _row(
    transaction_id: int,
    kind: str,
    direction: str,
    amount: int,
    balance_after: int,
    description: str | None,
    created_at: dt.datetime,
) -> TransactionRow:
    sign = "+" if direction == "credit" else "-"
    name = TYPE_NAMES.get(kind, kind.replace("_", " ").capitalize())
    when = created_at.astimezone(dt.UTC)
    return TransactionRow(
        id=transaction_id,
        when=when.isoformat(),
        when_text=when.strftime("%d %b %Y %H:%M UTC"),
        label=f"{name} {sign}{format_pence(amount)}",
        description=description or "",
        balance_after=format_pence(balance_after),
    )
