"""Logging in and out: email and password (argon2id hashes, as the seed writes them) and the
signed session cookie of Starlette's SessionMiddleware (``session["user_id"]``).

The CSRF middleware checks the login and logout forms before these handlers run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from psycopg_pool import ConnectionPool
from starlette.concurrency import run_in_threadpool

from reference_app.web.csrf import renew_csrf_token
from reference_app.web.identity import SESSION_USER_KEY, identity_of, pool_of
from reference_app.web.openapi_bodies import LOGIN
from reference_app.web.pages import render
from reference_app.web.request_input import NUL

log = logging.getLogger("reference_app.auth")
router = APIRouter()

HOME = "/dashboard/wallet"
WRONG_LOGIN = "That email and password do not match an account. Check both and try again."
# argon2id at OWASP's recommended parameters (19 MiB, two passes, one lane): a verify costs 40 ms
# here against 0.14 s at argon2-cffi's default (64 MiB, three passes, four lanes), whose four
# lanes on two cores, beside a browser, held a login's answer 0.4-0.5 s. The seed's hashes use
# the same parameters.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# verified when the email is unknown, so a wrong email takes as long as a wrong password
_DUMMY_HASH = _HASHER.hash("not-a-password-of-anyone")


@dataclass(frozen=True)
class LoginUser:
    user_id: str
    password_hash: str


@router.get("/login", response_model=None)
def login_page(request: Request) -> Response:
    if identity_of(request) is not None:
        return RedirectResponse(HOME, status_code=303)
    return render(request, "login.html", {"error": None, "email": ""})


@router.post("/login", response_model=None, openapi_extra=LOGIN)
async def log_in(request: Request) -> Response:
    form = await request.form()
    email = str(form.get("email") or "").strip()
    password = str(form.get("password") or "")
    if not email or not password:
        return render(
            request,
            "login.html",
            {"error": "Enter your email and your password.", "email": email},
            status_code=400,
        )
    user_id = (  # a NUL is in no account's email or password (and PostgreSQL refuses it)
        None
        if NUL in email + password
        else await run_in_threadpool(_verified_user, pool_of(request), email, password)
    )
    if user_id is None:
        log.info("login refused for %s", email)
        return render(
            request, "login.html", {"error": WRONG_LOGIN, "email": email}, status_code=401
        )
    request.session.clear()  # nothing from before the login survives it (session fixation)
    request.session[SESSION_USER_KEY] = user_id
    renew_csrf_token(request)
    log.info("user %s logged in", user_id)
    return RedirectResponse(HOME, status_code=303)


@router.post("/logout", response_model=None)
def log_out(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def _verified_user(pool: ConnectionPool[Any], email: str, password: str) -> str | None:
    user = _find_user(pool, email)
    try:
        _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return user.user_id if user else None


def _find_user(pool: ConnectionPool[Any], email: str) -> LoginUser | None:
    with pool.connection() as conn:
        row = conn.execute(
            "select id::text, password_hash from users where lower(email) = lower(%s)",
            (email,),
        ).fetchone()
    return None if row is None else LoginUser(user_id=row[0], password_hash=row[1])
