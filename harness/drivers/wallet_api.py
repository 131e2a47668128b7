"""The app's JSON API as a script holding an organisation's API token uses it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict[str, Any]


class WalletApi:
    """``http``: a client to share between several organisations' APIs (its base URL the
    app's); without it, the API has a client of its own."""

    def __init__(self, web_url: str, token: str, http: httpx.Client | None = None) -> None:
        self._owns_http = http is None
        self._http = http or httpx.Client(base_url=web_url, timeout=30)
        self._auth = {"Authorization": f"Bearer {token}"}

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def start_top_up(self, amount_pence: int) -> Answer:
        body = {"amount_pence": amount_pence}
        return self._answer(self._http.post("/api/wallet/topups", json=body, headers=self._auth))

    def check_top_up(self, session_id: str) -> Answer:
        """What the landing page asks: GET /api/wallet/topups/{id} (it may credit)."""
        url = f"/api/wallet/topups/{session_id}"
        return self._answer(self._http.get(url, headers=self._auth))

    @staticmethod
    def _answer(response: httpx.Response) -> Answer:
        try:
            body = response.json()
        except ValueError:
            body = {"text": response.text}
        return Answer(response.status_code, body if isinstance(body, dict) else {"data": body})
