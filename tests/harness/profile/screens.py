"""The one table every profile must write whatever its app: where its dashboard shows the
balance, the transactions, the landing message and an error (the app's own markup has no
default). For the tests' made-up profiles, as a dict and as TOML."""

from __future__ import annotations

from typing import Any

SCREEN: dict[str, Any] = {
    "dashboard": {key: {"test_id": key} for key in ("balance", "rows", "message", "error")}
}

SCREEN_TOML = "[screen.dashboard]\n" + "".join(
    f'{key} = {{ test_id = "{key}" }}\n' for key in SCREEN["dashboard"]
)
