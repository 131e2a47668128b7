"""``POST /api/webhooks/stripe``: verify, store, queue, answer 2xx quickly. Never processes
inline (except under the defects that reproduce teams who do)."""

from __future__ import annotations

import contextlib
import json
import logging
import time
from typing import Any

import stripe
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from reference_app import inbox, topups
from reference_app.event_handling import process_event
from reference_app.job_queue import defer_event
from reference_app.runtime import Runtime
from reference_app.web.batched_inbox import BatchedInbox
from reference_app.web.openapi_bodies import STRIPE_EVENT
from reference_app.web.request_input import nul_escaped

log = logging.getLogger("reference_app.webhooks")
router = APIRouter()

MAX_BODY_BYTES = 256 * 1024
TOLERANCE_SECONDS = 300


@router.post("/api/webhooks/stripe", openapi_extra=STRIPE_EVENT)
@router.post("/api/webhooks/stripe/", include_in_schema=False)
async def stripe_webhook(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    if request.url.path.endswith("/"):
        if not runtime.defects.on("webhook-redirect"):  # what Starlette's redirect_slashes does
            target = request.url.replace(path=request.url.path.rstrip("/"))
            return RedirectResponse(str(target), status_code=307)
    elif runtime.defects.on("webhook-redirect"):
        # the route was declared with a trailing slash: Stripe never follows a redirect
        target = request.url.replace(path=request.url.path + "/")
        return RedirectResponse(str(target), status_code=308)
    body = await request.body()
    signature = request.headers.get("stripe-signature")
    if len(body) > MAX_BODY_BYTES:
        return await _reject(runtime, 413, "body larger than 256 KiB", signature, None)
    if runtime.defects.on("body-reserialised"):
        # the framework parsed the JSON; re-serialising it changes the bytes that were signed
        with contextlib.suppress(ValueError, RecursionError):
            body = json.dumps(json.loads(body)).encode()
    if not signature:
        return await _reject(runtime, 400, "missing Stripe-Signature header", None, _id_of(body))
    try:
        stripe.WebhookSignature.verify_header(
            body.decode("utf-8"),
            signature,
            request.app.state.webhook_secret,
            tolerance=TOLERANCE_SECONDS,
        )
    except stripe.SignatureVerificationError as error:
        return await _reject(runtime, 400, f"signature rejected: {error}", signature, _id_of(body))
    except UnicodeDecodeError as error:
        return await _reject(runtime, 400, f"body is not a Stripe event: {error}", signature, None)
    payload = _event_of(body)
    if isinstance(payload, str):
        reason = f"body is not a Stripe event: {payload}"
        return await _reject(runtime, 400, reason, signature, _id_of(body))
    event_id, event_type = payload["id"], payload["type"]
    session_id = payload["data"]["object"].get("id") or "-"
    if runtime.defects.on("business-error-status") and await run_in_threadpool(
        _already_credited, runtime, session_id
    ):
        # "nothing to do" reported as an error: Stripe retries a finished job for days
        reason = f"checkout session {session_id} is already credited"
        log.warning("webhook %s: %s, answering 500", event_id, reason)
        return JSONResponse({"error": reason}, status_code=500)
    if runtime.defects.on("ack-before-store"):
        _batched(request.app, runtime).add(payload)  # written a second later, if ever
        return JSONResponse({"received": True})
    if runtime.defects.on("returns-200-on-error") or runtime.defects.on("slow-handler"):
        return await run_in_threadpool(_inline, runtime, payload)
    queued = await run_in_threadpool(_store_and_queue, request.app.state.queue, runtime, payload)
    log.info(
        "webhook %s %s session %s: %s",
        event_id,
        event_type,
        session_id,
        "stored and queued" if queued else "duplicate delivery, already stored",
    )
    return JSONResponse({"received": True, "duplicate": not queued})


def _store_and_queue(queue: Any, runtime: Runtime, payload: dict[str, Any]) -> bool:
    with runtime.pool.connection() as conn, conn.transaction():
        stored = inbox.store_event(conn, payload)
        if stored:
            defer_event(queue, conn, payload["id"])
        elif runtime.defects.on("non-idempotent-credit"):
            # no dedupe on the event id either: every delivery is processed again
            defer_event(queue, conn, payload["id"])
    return stored


def _batched(app: Any, runtime: Runtime) -> BatchedInbox:
    """The ``ack-before-store`` defect's writer, one per web process."""
    if getattr(app.state, "batched_inbox", None) is None:
        app.state.batched_inbox = BatchedInbox(
            lambda payload: _store_and_queue(app.state.queue, runtime, payload)
        )
    batched: BatchedInbox = app.state.batched_inbox
    return batched


def _already_credited(runtime: Runtime, session_id: str) -> bool:
    with runtime.pool.connection() as conn:
        topup = topups.get_topup(conn, session_id)
    return topup is not None and topup.status == "credited"


def _inline(runtime: Runtime, payload: dict[str, Any]) -> JSONResponse:
    """How some teams do it: process in the request. ``slow-handler`` takes longer than Stripe
    waits; ``returns-200-on-error`` answers 200 whatever happened."""
    with runtime.pool.connection() as conn:
        inbox.store_event(conn, payload)
    if runtime.defects.on("slow-handler"):
        time.sleep(runtime.settings.slow_handler_seconds)
    try:
        process_event(runtime, payload["id"])
    except Exception as error:
        log.warning("webhook %s: processing failed, answering 200 anyway: %s", payload["id"], error)
    return JSONResponse({"received": True})


async def _reject(
    runtime: Runtime, status: int, reason: str, signature: str | None, event_id: str | None
) -> JSONResponse:
    log.warning("webhook rejected (%d): %s [event %s]", status, reason, event_id or "-")

    def record() -> None:
        with runtime.pool.connection() as conn:
            row = conn.execute(
                "insert into webhook_rejections (reason, event_id, signature)"
                " values (%s, %s, %s) returning id",
                (reason, event_id, None if signature is None else signature[:1024]),
            ).fetchone()
            # bounded: the newest N are kept (ids grow with each refusal)
            kept = runtime.settings.webhook_rejections_kept
            if row is not None and row[0] > kept:
                conn.execute("delete from webhook_rejections where id <= %s", (row[0] - kept,))

    await run_in_threadpool(record)
    return JSONResponse({"error": reason}, status_code=status)


def _event_of(body: bytes) -> dict[str, Any] | str:
    """The verified body as an event, or why it is not one. Stripe signed it, so what it holds
    is stored as it is, but for NULs: as U+FFFD, which PostgreSQL can store (refusing the event
    would refuse its payment on every retry)."""
    try:
        payload = nul_escaped(json.loads(body))
    except ValueError as error:
        return f"not JSON: {str(error)[:200]}"
    except RecursionError:
        return "not JSON: nested too deeply"
    if not isinstance(payload, dict):
        return "not a JSON object"
    for key in ("id", "type"):
        if not isinstance(payload.get(key), str) or not payload[key]:
            return f"no {key} string"
    data = payload.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        return "no data.object"
    if not isinstance(data["object"].get("id", ""), str):
        return "data.object.id is not a string"
    return payload


def _id_of(body: bytes) -> str | None:
    """The id a refused body claims, to record beside the refusal (NULs as U+FFFD)."""
    try:
        value = json.loads(body).get("id")
    except (ValueError, AttributeError, RecursionError):
        return None
    return nul_escaped(value[:255]) if isinstance(value, str) else None
