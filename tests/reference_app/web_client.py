"""A browser-like HTTP client for the reference app's pages: cookies kept, redirects not
followed (tests look at them), and the CSRF token read from the last form it was shown."""

from __future__ import annotations

import html
import re

import httpx

from harness.stack.wallet_stack import WalletStack

DEMO_LOGIN = ("test@demo.com", "topup-demo-1")
ADMIN_LOGIN = ("admin@demo.com", "admin-demo-1")
OTHER_LOGIN = ("other@demo.com", "other-demo-1")

_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
_BALANCE = re.compile(r'data-testid="wallet-balance"[^>]*>([^<]*)<')
_ROW = re.compile(r'<tr data-testid="transaction-row".*?</tr>', re.S)
_CELL = re.compile(r"<td>(?:<time[^>]*>)?([^<]*)")


def page_client(stack: WalletStack) -> httpx.Client:
    return httpx.Client(base_url=stack.web_url, timeout=30, follow_redirects=False)


def csrf_token_of(page: httpx.Response) -> str:
    match = _CSRF_FIELD.search(page.text)
    assert match is not None, f"no CSRF field in {page.request.url}:\n{page.text[:2000]}"
    return match.group(1)


def log_in(client: httpx.Client, login: tuple[str, str] = DEMO_LOGIN) -> str:
    """Log in through the form; returns the session's CSRF token (from the dashboard)."""
    token = csrf_token_of(client.get("/login"))
    answer = client.post(
        "/login", data={"email": login[0], "password": login[1], "csrf_token": token}
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/dashboard/wallet"
    return csrf_token_of(client.get("/dashboard/wallet"))


def balance_shown(page: httpx.Response) -> str:
    match = _BALANCE.search(page.text)
    assert match is not None, page.text[:2000]
    return html.unescape(match.group(1))


def rows_shown(page: httpx.Response) -> list[list[str]]:
    """Each transaction row's cells (when, transaction, details, balance after), top first."""
    return [
        [html.unescape(cell).strip() for cell in _CELL.findall(row)]
        for row in _ROW.findall(page.text)
    ]
