"""Browser contexts reused between scenarios: a reused context must look like a fresh one (no
cookies, no storage, one blank tab), and a context that cannot be cleaned is never handed out.
Real Chromium, a real loopback page."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Browser, BrowserContext

from harness.browser.contexts import BLANK, ContextPool, PerTestContexts, blank_tab


class _Page(BaseHTTPRequestHandler):
    """Sets a cookie, and a page whose script writes to both kinds of web storage."""

    def do_GET(self) -> None:
        body = b"<html><body><script>localStorage.a='1';sessionStorage.b='2'</script></body></html>"
        self.send_response(200)
        self.send_header("Set-Cookie", "session=abc; Path=/")
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def pool(browser: Browser) -> Iterator[tuple[ContextPool, list[BrowserContext]]]:
    prepared: list[BrowserContext] = []
    contexts = ContextPool(browser.new_context, prepared.append)
    yield contexts, prepared
    contexts.close()


def dirty(context: BrowserContext, origin: str) -> None:
    """What a scenario leaves behind: a cookie, web storage, and two tabs on the page."""
    first = blank_tab(context) or context.new_page()
    first.goto(origin)
    context.new_page().goto(origin)


def test_a_context_given_back_is_the_next_one_taken_and_prepared_only_once(
    pool: tuple[ContextPool, list[BrowserContext]], origin: str
) -> None:
    contexts, prepared = pool
    first = contexts.take()
    dirty(first, origin)
    contexts.give_back(first, [origin])

    assert contexts.take() is first
    assert prepared == [first]


def test_a_reused_context_has_no_cookies_and_one_blank_tab(
    pool: tuple[ContextPool, list[BrowserContext]], origin: str
) -> None:
    contexts, _ = pool
    context = contexts.take()
    dirty(context, origin)
    assert context.cookies(origin)

    contexts.give_back(context, [])  # cookies go for every origin, named or not
    again = contexts.take()

    assert again.cookies() == []
    assert [page.url for page in again.pages] == [BLANK]


def test_storage_is_cleared_for_the_origins_named(
    pool: tuple[ContextPool, list[BrowserContext]], origin: str
) -> None:
    contexts, _ = pool
    context = contexts.take()
    dirty(context, origin)
    assert context.pages[0].evaluate("localStorage.length") == 1
    contexts.give_back(context, [origin])
    page = contexts.take().pages[0]

    # read the origin's storage without running the page's own script
    page.route(f"{origin}/**", lambda route: route.fulfill(body="<html></html>"))
    page.goto(f"{origin}/empty")

    assert page.evaluate("[localStorage.length, sessionStorage.length]") == [0, 0]


def test_a_context_that_cannot_be_cleaned_is_dropped_not_handed_out(
    pool: tuple[ContextPool, list[BrowserContext]], origin: str
) -> None:
    contexts, _ = pool
    broken = contexts.take()
    broken.close()

    with pytest.raises(Exception, match="closed"):
        contexts.give_back(broken, [origin])

    assert contexts.take() is not broken


def test_two_customers_at_once_get_two_contexts(
    pool: tuple[ContextPool, list[BrowserContext]],
) -> None:
    contexts, _ = pool
    assert contexts.take() is not contexts.take()


def test_per_test_contexts_are_new_each_time_and_each_prepared(browser: Browser) -> None:
    made: list[BrowserContext] = []
    prepared: list[BrowserContext] = []

    def new_context() -> BrowserContext:
        made.append(browser.new_context())
        return made[-1]

    contexts = PerTestContexts(new_context, prepared.append)
    first, second = contexts.take(), contexts.take()
    contexts.give_back(first, [])  # pytest-playwright closes them, not the harness

    assert first is not second
    assert prepared == made == [first, second]
    assert first.pages == []  # nothing was done to it
    for context in made:
        context.close()
