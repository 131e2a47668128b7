"""Server-rendered pages: the Jinja2 templates and what every page gets (the CSRF token, who is
logged in)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from reference_app.web.csrf import FORM_FIELD, csrf_token

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATES = Jinja2Templates(directory=WEB_DIR / "templates")


def render(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """A page, with the session's CSRF token for its forms (``csrf_field``, ``csrf_token``)."""
    page_context = {"csrf_field": FORM_FIELD, "csrf_token": csrf_token(request), **context}
    response: HTMLResponse = TEMPLATES.TemplateResponse(
        request, template, page_context, status_code=status_code
    )
    # pages show money and a form token: never from a shared cache
    response.headers["cache-control"] = "no-store"
    return response
