"""An element of the app's screen as its profile names it (the ``[screen]`` table), found with
Playwright, and the failure that names the profile key when the element is not there.

``locate`` maps a profile ``Locator`` onto Playwright's own: ``role`` (with ``name``) to
``get_by_role``, ``label`` to ``get_by_label``, ``text`` to ``get_by_text``, ``test_id`` to
``get_by_test_id`` (the ``data-testid`` attribute, Playwright's default, which the harness never
changes) and ``css`` to ``locator``. Names, labels and texts match as Playwright matches them by
default: ignoring case and surrounding whitespace, as a part of the element's text.

``ScreenElement.check`` wraps an expectation or an action on one element (``on_screen`` wraps a
page object's method the same way): when it fails (an ``expect`` that does not come true, an
action that times out) and the element matches nothing on the page at that moment, the failure
is a ``ScreenMismatch`` naming the profile key, how the profile finds the element, the page's
address and a screenshot kept of the page, e.g.

    screen.dashboard.balance (test_id="balance") matched nothing on
    http://127.0.0.1:8000/wallet; screenshot: artifacts/screens/screen-mismatch-...png
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar, cast

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from harness.profile import model
from harness.project import artifacts_dir, shown

# an element the profile names that is not on the page is about the screen (harness.diagnosis.blame)
FAILURE_STAGE = "screen"
TEST_ID_ATTRIBUTE = "data-testid"  # Playwright's default for get_by_test_id
SCREENSHOT_TIMEOUT_MS = 5_000
_KINDS = ("role", "label", "text", "test_id", "css")


def locate(page: Page, locator: model.Locator) -> Locator:
    """The Playwright locator for one profile locator."""
    if locator.role is not None:
        # a profile names any ARIA role; Playwright's signature lists them as a Literal
        return page.get_by_role(cast(Any, locator.role), name=locator.name)
    if locator.label is not None:
        return page.get_by_label(locator.label)
    if locator.text is not None:
        return page.get_by_text(locator.text)
    if locator.test_id is not None:
        return page.get_by_test_id(locator.test_id)
    assert locator.css is not None  # the model holds exactly one kind
    return page.locator(locator.css)


def css_selector(locator: model.Locator) -> str | None:
    """A CSS selector for the same element, for scripts that run in the page itself (such as
    an init script, which has no Playwright locators); None for a role, label or text, which
    only Playwright's own engine resolves."""
    if locator.test_id is not None:
        return f"[{TEST_ID_ATTRIBUTE}={json.dumps(locator.test_id)}]"
    return locator.css


def described(locator: model.Locator) -> str:
    """How the profile finds the element, as it is written there: ``test_id="balance"``,
    ``role="button", name="Add funds"``."""
    parts = [
        f"{key}={json.dumps(value, ensure_ascii=False)}"
        for key in (*_KINDS[:1], "name", *_KINDS[1:])
        if (value := getattr(locator, key)) is not None
    ]
    return ", ".join(parts)


class ScreenMismatch(AssertionError):
    """An element the app profile names matched nothing on the page when an expectation on it
    failed or an action on it timed out. The message names the profile key, how the profile
    finds it, the page's address and the screenshot kept; the original failure follows."""


class ScreenElement:
    """One element the profile names: ``key`` is where (``screen.dashboard.balance``), ``spec``
    how it is found. A screenshot of a mismatch goes to ``screenshots`` (else the project's
    ``artifacts/screens/``)."""

    def __init__(
        self, page: Page, key: str, spec: model.Locator, screenshots: Path | None = None
    ) -> None:
        self.page = page
        self.key = key
        self.spec = spec
        self.screenshots = screenshots

    @property
    def locator(self) -> Locator:
        return locate(self.page, self.spec)

    @contextmanager
    def check(self) -> Iterator[Locator]:
        """The element's locator; a failure inside the block while it matches nothing becomes
        a ``ScreenMismatch`` (any other failure is left as it is)."""
        locator = self.locator
        try:
            yield locator
        except (AssertionError, PlaywrightTimeoutError) as error:
            if isinstance(error, ScreenMismatch) or not _matches_nothing(locator):
                raise
            raise self.mismatch(error) from error

    def mismatch(self, error: BaseException | None = None) -> ScreenMismatch:
        """The failure for this element matching nothing, with a screenshot of the page."""
        url = self.page.url
        message = f"{self.key} ({described(self.spec)}) matched nothing on {url}"
        message += f"; {self._screenshot()}"
        if error is not None:
            message += f"\n{error}"
        return ScreenMismatch(message)

    def _screenshot(self) -> str:
        folder = self.screenshots if self.screenshots is not None else artifacts_dir() / "screens"
        slug = re.sub(r"[^A-Za-z0-9]+", "-", self.key).strip("-")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            number = 1
            while (path := folder / f"screen-mismatch-{slug}-{number}.png").exists():
                number += 1
            self.page.screenshot(path=path, timeout=SCREENSHOT_TIMEOUT_MS)
        except (OSError, PlaywrightError) as error:
            return f"no screenshot ({type(error).__name__}: {error})"
        return f"screenshot: {shown(path)}"


class OnScreen(Protocol):
    """A page object whose elements the profile names."""

    def element(self, key: str) -> ScreenElement: ...


S = TypeVar("S", bound=OnScreen)
P = ParamSpec("P")
R = TypeVar("R")


def on_screen(
    key: str,
) -> Callable[[Callable[Concatenate[S, P], R]], Callable[Concatenate[S, P], R]]:
    """A page object's method that expects or acts on its element ``key`` (as ``check``). The
    original failure keeps its place in the traceback, first, with the mismatch after it."""

    def decorate(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
        @wraps(method)
        def checked(page: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
            with page.element(key).check():
                return method(page, *args, **kwargs)

        return checked

    return decorate


def _matches_nothing(locator: Locator) -> bool:
    try:
        return locator.count() == 0
    except PlaywrightError:  # the page closed or went away: nothing to tell
        return False
