"""The app's JSON API as a script holding an organisation's API token uses it: start a top-up
and ask how one stands, at the paths the profile's ``capabilities.topup_api`` gives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from harness import http_clients
from harness.profile.model import TopupApi
from harness.profile.placeholders import fill


class NoTopupApi(LookupError):
    """The profile gives no way to do this over the API; the message names the key."""


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict[str, Any]


class WalletApi:
    """``http``: a client to share between several organisations' APIs (its base URL the
    app's); without it, the API has a client of its own."""

    def __init__(
        self,
        web_url: str,
        token: str,
        topup_api: TopupApi | None,
        http: httpx.Client | None = None,
    ) -> None:
        self._topup_api = topup_api
        self._owns_http = http is None
        self._http = http or http_clients.client(web_url, timeout=30)
        self._auth = {"Authorization": f"Bearer {token}"}

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def start_top_up(self, amount_pence: int) -> Answer:
        api = self._api("capabilities.topup_api")
        body = {key: _filled(value, amount_pence) for key, value in api.json_body.items()}
        response = self._http.request(api.method, api.path, json=body, headers=self._auth)
        return _answer(response)

    def session_id(self, answer: Answer) -> str | None:
        """The Checkout Session id in a ``start_top_up`` answer (at ``topup_api.session_id``,
        a dotted path), or None when it is not there."""
        found: Any = answer.body
        for part in self._api("capabilities.topup_api").session_id.split("."):
            found = found.get(part) if isinstance(found, dict) else None
        return found if isinstance(found, str) and found else None

    def check_top_up(self, session_id: str) -> Answer:
        """What the landing page asks about one top-up (``topup_api.status_path``; it may
        credit)."""
        path = self._api("capabilities.topup_api.status_path").status_path
        if path is None:
            raise NoTopupApi("the app profile has no capabilities.topup_api.status_path")
        url = fill(path, {"session_id": session_id})
        return _answer(self._http.get(url, headers=self._auth))

    def _api(self, key: str) -> TopupApi:
        if self._topup_api is None:
            raise NoTopupApi(f"the app profile has no {key}")
        return self._topup_api


def _filled(value: object, amount_pence: int) -> object:
    if value == "{amount_pence}":
        return amount_pence
    if isinstance(value, str):
        return fill(value, {"amount_pence": str(amount_pence)})
    if isinstance(value, dict):
        return {key: _filled(inner, amount_pence) for key, inner in value.items()}
    return value


def _answer(response: httpx.Response) -> Answer:
    try:
        body = response.json()
    except ValueError:
        body = {"text": response.text}
    return Answer(response.status_code, body if isinstance(body, dict) else {"data": body})
