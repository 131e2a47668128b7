"""``/api/wallet/topups``: start a top-up (JSON, for scripts with an org API token, or a logged-in
browser) and check one (the dashboard polls it after the redirect)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from reference_app.money import format_pence
from reference_app.runtime import Runtime
from reference_app.topup_flow import TopupRefused, confirm_topup, start_topup
from reference_app.web.identity import CurrentIdentity
from reference_app.web.openapi_bodies import TOPUP
from reference_app.web.request_input import BadInput, parse_json

router = APIRouter()


@router.post("/api/wallet/topups", openapi_extra=TOPUP)
async def create_topup(request: Request, identity: CurrentIdentity) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    try:
        body: Any = parse_json(await request.body())
    except BadInput as bad:
        return _refused(f'the body must be JSON like {{"amount_pence": 5000}}: {bad}', 400)
    if not isinstance(body, dict) or set(body) - {"amount_pence"}:
        return _refused("the body takes exactly one field: amount_pence", 400)
    try:
        started = await run_in_threadpool(
            start_topup, runtime, identity.org_id, body.get("amount_pence"), identity.email
        )
    except TopupRefused as refused:
        return _refused(str(refused), refused.status)
    return JSONResponse(
        {
            "session_id": started.session_id,
            "checkout_url": started.checkout_url,
            "amount_pence": started.amount_pence,
            "amount": format_pence(started.amount_pence),
        },
        status_code=201,
    )


@router.get("/api/wallet/topups/{session_id}")
async def check_topup(session_id: str, request: Request, identity: CurrentIdentity) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    try:
        state = await run_in_threadpool(confirm_topup, runtime, identity.org_id, session_id)
    except TopupRefused as refused:
        return _refused(str(refused), refused.status)
    return JSONResponse(
        {
            "session_id": state.session_id,
            "status": state.status,
            "amount_pence": state.amount_pence,
            "amount": format_pence(state.amount_pence),
            "balance_pence": state.balance_pence,
            "balance": format_pence(state.balance_pence),
            "fulfilled_by": state.fulfilled_by,
            "message": state.message,
        }
    )


def _refused(reason: str, status: int) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status)
