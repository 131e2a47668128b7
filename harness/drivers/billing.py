"""The app's billing gates over HTTP, as a script holding an organisation's API token calls
them, under the profile's ``capabilities.billing_api`` base path (``<base>/sms``: JSON ``to``
and ``body``; 2xx with what was charged, 4xx with ``error``): the organisation charged is
always the token's, never one named in the body."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness import http_clients


@dataclass(frozen=True)
class GateAnswer:
    """The gate's answer: 2xx with what was charged, or 4xx with ``error`` saying why not."""

    status_code: int
    body: dict[str, Any]

    @property
    def error(self) -> str | None:
        error = self.body.get("error")
        return None if error is None else str(error)

    def __str__(self) -> str:
        return f"{self.status_code} {self.body}"


class BillingGates:
    def __init__(self, web_url: str, base_path: str, api_token: Callable[[str], str]) -> None:
        self._http = http_clients.client(web_url, timeout=30)
        self._base = base_path.rstrip("/")
        self._api_token = api_token  # of the organisation a person the features name is in

    def close(self) -> None:
        self._http.close()

    def send_sms(self, email: str, to: str, body: str) -> GateAnswer:
        """POST <base>/sms with the API token of ``email``'s organisation."""
        return self._post(email, f"{self._base}/sms", {"to": to, "body": body})

    def _post(self, email: str, path: str, body: dict[str, str]) -> GateAnswer:
        token = self._api_token(email)
        response = self._http.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        try:
            answer = response.json()
        except ValueError:
            answer = {"error": response.text}
        return GateAnswer(response.status_code, answer if isinstance(answer, dict) else {})
