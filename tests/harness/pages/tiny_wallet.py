"""A tiny wallet app with markup unlike the reference app's, served from a thread: a login form
at ``/sign-in`` (fields "Your email" and "Secret", button "Sign in") that sends the customer to
``/`` (not the dashboard), and a dashboard at ``/wallet/home`` written in dollars, found by
role and label, with a message whose ``data-phase`` goes from pending to credited a moment
after the page loads. What the browser sends is kept in ``TinyWallet.posted``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from harness.profile.model import DashboardScreen, Locator, LoginScreen, Screen

LOGIN = """<!doctype html><title>Sign in</title>
<form method="post" action="/sign-in">
  <label>Your email <input name="who"></label>
  <label>Secret <input name="secret" type="password"></label>
  <input type="submit" value="Sign in">
</form>"""

DASHBOARD = """<!doctype html><title>Money</title>
<h1>Your money</h1>
<p>Balance: <output aria-label="Wallet balance">$1,012.50</output></p>
<div role="status" aria-label="Top-up news" data-phase="pending">Hold on, checking</div>
<div role="alert" hidden></div>
<form method="post" action="/wallet/add">
  <input type="radio" id="p25" name="preset" value="2500"><label for="p25">$25.00</label>
  <input type="radio" id="p100" name="preset" value="10000"><label for="p100">$100</label>
  <label>How much <input name="amt"></label>
  <button type="submit">Add funds</button>
</form>
<ul aria-label="History">
  <li>Top-up   +$12.50</li>
  <li>Top-up +$1,000.00</li>
</ul>
<script>
  setTimeout(() => {
    const news = document.querySelector('[role=status]');
    news.dataset.phase = "credited";
    news.textContent = "$12.50 has been added";
  }, 150);
</script>"""

SCREEN = Screen(
    login=LoginScreen(
        path="/sign-in",
        email=Locator(label="Your email"),
        password=Locator(label="Secret"),
        submit=Locator(role="button", name="Sign in"),
    ),
    dashboard=DashboardScreen(
        path="/wallet/home",
        amount=Locator(label="How much"),
        presets=True,
        top_up=Locator(role="button", name="Add funds"),
        balance=Locator(label="Wallet balance"),
        rows=Locator(role="listitem"),
        message=Locator(role="status", name="Top-up news"),
        message_state="data-phase",
        error=Locator(role="alert"),
    ),
    money="${pounds}",
)


@dataclass
class TinyWallet:
    url: str
    posted: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)


@contextmanager
def tiny_wallet() -> Iterator[TinyWallet]:
    wallet = TinyWallet(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            pages = {"/sign-in": LOGIN, "/wallet/home": DASHBOARD, "/": "<p>Welcome</p>"}
            page = pages.get(self.path.split("?", 1)[0])
            if page is None:
                self.send_error(404)
                return
            body = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = parse_qs(self.rfile.read(length).decode())
            wallet.posted.append((self.path, form))
            self.send_response(303)
            self.send_header("Location", "/" if self.path == "/sign-in" else "/wallet/home")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    wallet.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield wallet
    finally:
        server.shutdown()
        server.server_close()
