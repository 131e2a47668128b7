"""Who is asking: a logged-in user (session cookie) or a script with its org's API token.

The organisation always comes from here, never from the request body or the browser.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from psycopg_pool import ConnectionPool

SESSION_USER_KEY = "user_id"


@dataclass(frozen=True)
class Identity:
    org_id: str
    user_id: str | None  # None for an API token
    email: str | None
    role: str  # member | admin | token
    via: str  # session | token


def pool_of(request: Request) -> ConnectionPool[Any]:
    pool: ConnectionPool[Any] = request.app.state.runtime.pool
    return pool


def identity_of(request: Request) -> Identity | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        return _token_identity(pool_of(request), token.strip())
    user_id = request.session.get(SESSION_USER_KEY) if "session" in request.scope else None
    if not user_id:
        return None
    with pool_of(request).connection() as conn:
        row = conn.execute(
            "select id::text, org_id::text, email, role from users where id::text = %s",
            (str(user_id),),
        ).fetchone()
    if row is None:
        return None
    return Identity(org_id=row[1], user_id=row[0], email=row[2], role=row[3], via="session")


def require_identity(request: Request) -> Identity:
    """FastAPI dependency: 401 with a reason when nobody is logged in and no token is given."""
    identity = identity_of(request)
    if identity is None:
        raise HTTPException(
            status_code=401,
            detail="log in, or send an organisation API token as 'Authorization: Bearer <token>'",
        )
    return identity


def require_admin(request: Request) -> Identity:
    identity = require_identity(request)
    if identity.role != "admin":
        raise HTTPException(status_code=403, detail="admins only")
    return identity


def _token_identity(pool: ConnectionPool[Any], token: str) -> Identity | None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    with pool.connection() as conn:
        row = conn.execute(
            "select org_id::text from api_tokens where token_sha256 = %s", (digest,)
        ).fetchone()
    if row is None:
        return None
    return Identity(org_id=row[0], user_id=None, email=None, role="token", via="token")


# use as a parameter type: ``identity: CurrentIdentity``
CurrentIdentity = Annotated[Identity, Depends(require_identity)]
AdminIdentity = Annotated[Identity, Depends(require_admin)]
