"""``/api/billing/...``: the billing gates over HTTP, for a logged-in user (with the page's
``X-CSRF-Token``) or a script with its organisation's API token. The organisation is the
caller's, never the body's.

    POST /api/billing/sms              {"to": "+447700900123", "body": "Hello"}  -> 200 charged
    POST /api/billing/phone-numbers    {"phone_number": "+447700900123"}         -> 201 charged
    POST /api/billing/calls/authorise  {}                                        -> 200 allowed

Not enough money: 402 with the reason (nothing charged). Bad input: 400 with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from reference_app import billing
from reference_app.ledger import (
    DebitResult,
    InsufficientFunds,
    InvalidLedgerRequest,
    UnknownOrganisation,
)
from reference_app.money import format_pence
from reference_app.runtime import Runtime
from reference_app.web.identity import CurrentIdentity
from reference_app.web.openapi_bodies import CALL, PHONE_NUMBER, SMS
from reference_app.web.request_input import BadInput, parse_json

router = APIRouter(prefix="/api/billing")


class BadBody(ValueError):
    """The JSON body is not what the endpoint takes; the message says what it takes."""


@router.post("/sms", openapi_extra=SMS)
async def send_sms(request: Request, identity: CurrentIdentity) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    try:
        body = await _fields(request, required=("to", "body"))
    except BadBody as bad:
        return _error(str(bad), 400)
    price = runtime.settings.prices.sms_pence
    return await _charge(
        runtime,
        lambda conn: billing.send_sms(
            conn, identity.org_id, body["to"], body["body"], runtime.settings.prices
        ),
        price,
        {"sent": True, "to": body["to"].replace(" ", "")},
        status=200,
    )


@router.post("/phone-numbers", openapi_extra=PHONE_NUMBER)
async def provision_phone_number(request: Request, identity: CurrentIdentity) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    try:
        body = await _fields(request, required=("phone_number",))
    except BadBody as bad:
        return _error(str(bad), 400)
    price = runtime.settings.prices.phone_number_pence
    return await _charge(
        runtime,
        lambda conn: billing.provision_phone_number(
            conn, identity.org_id, body["phone_number"], runtime.settings.prices
        ),
        price,
        {"provisioned": True, "phone_number": body["phone_number"].replace(" ", "")},
        status=201,
    )


@router.post("/calls/authorise", openapi_extra=CALL)
async def authorise_call(request: Request, identity: CurrentIdentity) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    try:
        await _fields(request, required=())
    except BadBody as bad:
        return _error(str(bad), 400)

    def authorise() -> billing.CallAuthorisation:
        with runtime.pool.connection() as conn:
            return billing.authorise_call(conn, identity.org_id, runtime.settings.prices)

    try:
        decision = await run_in_threadpool(authorise)
    except UnknownOrganisation as error:
        return _error(str(error), 404)
    answer = {
        "allowed": decision.allowed,
        "reason": decision.reason,
        "balance_pence": decision.balance_pence,
        "balance": format_pence(decision.balance_pence),
        "minimum_balance": format_pence(runtime.settings.prices.call_minimum_balance_pence),
    }
    if not decision.allowed:
        answer["error"] = decision.reason
    return JSONResponse(answer, status_code=200 if decision.allowed else 402)


async def _charge(
    runtime: Runtime,
    gate: Callable[[psycopg.Connection[Any]], DebitResult],
    price_pence: int,
    extra: dict[str, Any],
    *,
    status: int,
) -> JSONResponse:
    def run() -> DebitResult:
        with runtime.pool.connection() as conn:
            return gate(conn)

    try:
        debit = await run_in_threadpool(run)
    except InsufficientFunds as error:
        return _error(
            f"insufficient funds: {format_pence(price_pence)} is needed ({error});"
            " top up the wallet",
            402,
        )
    except InvalidLedgerRequest as error:
        return _error(str(error), 400)
    except UnknownOrganisation as error:
        return _error(str(error), 404)
    return JSONResponse(
        {
            **extra,
            "charged_pence": price_pence,
            "charged": format_pence(price_pence),
            "transaction_id": debit.transaction_id,
            "balance_pence": debit.balance_after_pence,
            "balance": format_pence(debit.balance_after_pence),
        },
        status_code=status,
    )


async def _fields(request: Request, *, required: tuple[str, ...]) -> dict[str, str]:
    """The body: a JSON object with exactly these string fields (an empty body when none)."""
    raw = await request.body()
    if not raw.strip() and not required:
        return {}
    shape = "{" + ", ".join(f'"{name}": "..."' for name in required) + "}"
    try:
        body: Any = parse_json(raw)
    except BadInput as bad:
        raise BadBody(f"the body must be JSON like {shape}: {bad}") from None
    if not isinstance(body, dict):
        raise BadBody(f"the body must be a JSON object like {shape}")
    unknown = sorted(set(body) - set(required))
    missing = [name for name in required if name not in body]
    if unknown or missing:
        parts = [f"missing: {', '.join(missing)}"] if missing else []
        parts += [f"unknown: {', '.join(unknown)}"] if unknown else []
        raise BadBody(f"the body takes exactly {shape} ({'; '.join(parts)})")
    wrong = [name for name in required if not isinstance(body[name], str)]
    if wrong:
        raise BadBody(f"{', '.join(wrong)} must be text")
    return {name: body[name] for name in required}


def _error(reason: str, status: int) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status)
