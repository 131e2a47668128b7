"""What an admin sees of the webhook pipeline's recent failures (the profile's
``capabilities.failures_url``), logged in the way an admin is: the endpoint takes the browser
session of a user whose role is admin (an organisation's API token is not enough), so this
driver logs in through the login form (``screen.login.path``; fields ``email`` and
``password``, with the form's hidden fields such as a CSRF token), as a browser would, and keeps
the session cookie. The endpoint answers JSON ``{"failures": [...]}``, each with ``kind``
(``event_failed`` or ``rejected``), ``at``, ``event_id``, ``event_type``, ``object_id``,
``stage`` and ``error``."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from harness import http_clients
from harness.profile.model import Account, Screen

ADMIN = "admin@demo.com"


class AdminLoginFailed(AssertionError):
    """The app did not let the admin in; the message says what it answered."""


@dataclass(frozen=True)
class PipelineFailure:
    """One row of the recent failures."""

    kind: str  # event_failed | rejected
    at: str | None
    event_id: str | None
    event_type: str | None
    object_id: str | None
    stage: str | None  # signature | request for a rejection; the inbox's last stage otherwise
    error: str
    attempts: int | None

    # alike in shape with records.stripe._session: each reads a different JSON object (the app's
    # metrics here, Stripe's session there) into its own record.
    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PipelineFailure:
        return cls(
            kind=str(data["kind"]),
            at=data.get("at"),
            event_id=data.get("event_id"),
            event_type=data.get("event_type"),
            object_id=data.get("object_id"),
            stage=data.get("stage"),
            error=str(data.get("error") or ""),
            attempts=data.get("attempts"),
        )

    def __str__(self) -> str:
        return f"{self.kind} {self.event_id or '-'} at {self.stage or '-'}: {self.error}"


class OpsView:
    def __init__(self, web_url: str, account: Account, screen: Screen, failures_path: str) -> None:
        self.account = account  # an admin's login
        self.failures_path = failures_path  # the profile's capabilities.failures_url
        self.web_url = web_url
        self.screen = screen  # the login form's path, and the dashboard it sends the admin to
        self._http = http_clients.client(web_url, timeout=30, follow_redirects=False)
        self._logged_in = False

    def close(self) -> None:
        self._http.close()

    def log_in(self) -> None:
        form = _HiddenFields()
        login_path = self.screen.login.path
        home = self.screen.dashboard.path
        form.feed(self._http.get(login_path).text)
        answer = self._http.post(
            login_path,
            data={
                **form.values,
                "email": self.account.login,
                "password": self.account.password,
            },
        )
        if answer.status_code != 303 or answer.headers.get("location") not in (
            home,
            f"{self.web_url}{home}",
        ):
            raise AdminLoginFailed(
                f"logging in as {self.account.login} answered {answer.status_code}:"
                f" {answer.text[:300]}"
            )
        self._logged_in = True

    def recent_failures(self, limit: int = 20) -> list[PipelineFailure]:
        """Failed events and refused deliveries, newest first."""
        body = self._get(self.failures_path, params={"limit": limit})
        return [PipelineFailure.from_json(failure) for failure in body["failures"]]

    def rejected_signatures(self, limit: int = 20) -> list[PipelineFailure]:
        return [
            failure
            for failure in self.recent_failures(limit)
            if failure.kind == "rejected" and failure.stage == "signature"
        ]

    def _get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        if not self._logged_in:
            self.log_in()
        answer = self._http.get(path, params=params)
        if answer.status_code != 200:
            raise AssertionError(f"GET {path} answered {answer.status_code}: {answer.text[:300]}")
        body: dict[str, Any] = answer.json()
        return body


class _HiddenFields(HTMLParser):
    """The hidden inputs of a page's forms (the login form's CSRF token)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        fields = dict(attrs)
        if tag == "input" and fields.get("type") == "hidden" and fields.get("name"):
            self.values[str(fields["name"])] = fields.get("value") or ""
