"""The FastAPI app: pages, JSON API, webhook endpoint. ``create_app(settings)``."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from reference_app.db import open_pool
from reference_app.defect_schema import apply_defect_schema
from reference_app.defects import Defects
from reference_app.job_queue import build_queue
from reference_app.ledger import InsufficientFunds, InvalidLedgerRequest
from reference_app.logs import configure_service_logging
from reference_app.runtime import Runtime
from reference_app.settings import AppSettings
from reference_app.stripe_gateway import StripeGateway, make_client
from reference_app.topup_flow import TopupRefused
from reference_app.web import auth, billing_api, dashboard, metrics, topups_api, webhooks
from reference_app.web.csrf import CsrfMiddleware
from reference_app.web.pages import STATIC_DIR
from reference_app.web.request_input import RequestGuard
from reference_app.webhook_registration import register_webhook_endpoint

log = logging.getLogger("reference_app.web")
RETRY_AFTER_SECONDS = 2


def app_from_env() -> FastAPI:
    """The app, configured from the environment: what each process of ``web --processes N``
    builds (uvicorn starts them from this name)."""
    configure_service_logging()
    return create_app(AppSettings.from_env(dict(os.environ)))


def create_app(settings: AppSettings) -> FastAPI:
    defects = Defects(settings.defects)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = open_pool(settings.database_url, max_size=20)
        with pool.connection() as conn:
            apply_defect_schema(conn, defects)  # reads only, unless a ledger defect changed
        runtime = Runtime(settings, pool, StripeGateway(make_client(settings)), defects)
        app.state.runtime = runtime
        app.state.queue = build_queue(settings)
        app.state.webhook_secret = register_webhook_endpoint(
            settings, pool, runtime.gateway, defects
        )
        log.info(
            "web app ready at %s (defects: %s)",
            settings.public_base_url,
            sorted(defects.names) or "none",
        )
        try:
            yield
        finally:
            pool.close()

    app = FastAPI(title="Wallet reference app", lifespan=lifespan, docs_url=None, redoc_url=None)
    # added first, so it runs inside the session middleware and can read the session's token
    app.add_middleware(CsrfMiddleware, covers_webhook=defects.on("csrf-blocks-webhook"))
    app.add_middleware(
        SessionMiddleware, secret_key=settings.session_secret, same_site="lax", https_only=False
    )
    app.add_middleware(RequestGuard)  # outermost: a NUL in the URL or a huge body goes no further
    if not defects.on("route-not-mounted"):
        app.include_router(webhooks.router)
    for module in (auth, dashboard, topups_api, billing_api, metrics):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/dashboard/wallet", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, error: RequestValidationError) -> JSONResponse:
        reasons = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()]
        return JSONResponse({"error": "; ".join(reasons)}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        # one error shape for the whole JSON API: {"error": reason}
        return JSONResponse(
            {"error": error.detail}, status_code=error.status_code, headers=error.headers
        )

    # a route that lets one of these escape still answers with its reason, never a 500
    @app.exception_handler(TopupRefused)
    async def topup_refused(request: Request, error: TopupRefused) -> JSONResponse:
        return JSONResponse({"error": str(error)}, status_code=error.status)

    @app.exception_handler(InvalidLedgerRequest)
    async def invalid_ledger_request(request: Request, error: InvalidLedgerRequest) -> JSONResponse:
        return JSONResponse({"error": str(error)}, status_code=400)

    # the database is down or restarting: a short outage, said so, never a 500
    @app.exception_handler(psycopg.OperationalError)
    @app.exception_handler(PoolTimeout)
    async def database_unavailable(request: Request, error: Exception) -> JSONResponse:
        log.warning("database unavailable for %s %s: %s", request.method, request.url.path, error)
        return JSONResponse(
            {"error": "the database is unavailable just now; nothing was changed, try again"},
            status_code=503,
            headers={"retry-after": str(RETRY_AFTER_SECONDS)},
        )

    @app.exception_handler(InsufficientFunds)
    async def insufficient_funds(request: Request, error: InsufficientFunds) -> JSONResponse:
        return JSONResponse({"error": f"insufficient funds: {error}"}, status_code=402)

    return app
