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
    def __init__(self, web_url: str, token: str) -> None:
        self._http = httpx.Client(
            base_url=web_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    def close(self) -> None:
        self._http.close()

    def start_top_up(self, amount_pence: int) -> Answer:
        body = {"amount_pence": amount_pence}
        return self._answer(self._http.post("/api/wallet/topups", json=body))

    def check_top_up(self, session_id: str) -> Answer:
        """What the landing page asks: GET /api/wallet/topups/{id} (it may credit)."""
        return self._answer(self._http.get(f"/api/wallet/topups/{session_id}"))

    @staticmethod
    def _answer(response: httpx.Response) -> Answer:
        try:
            body = response.json()
        except ValueError:
            body = {"text": response.text}
        return Answer(response.status_code, body if isinstance(body, dict) else {"data": body})
