"""The example Express app answers bad input with a 4xx and its reason, never a 500, as the
reference app does (``tests/reference_app/test_hostile_input.py``): NUL characters PostgreSQL
refuses in text, bodies over the parsers' limits, a body that is not JSON; and the deliveries it
refuses are kept, NUL and all, in a table a flood cannot grow without bound."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from harness.postgres.server import PostgresServer
from harness.profile.loading import load_profile
from harness.stack.schema import migrate_and_seed
from harness.stack.wallet_stack import StackConfig, WalletStack
from tests.examples.express import APP, needs_node

pytestmark = [needs_node, pytest.mark.slow]

TOKEN = {"authorization": "Bearer wallet_demo_token_test"}
NUL = "\u0000"


@pytest.fixture(scope="module")
def stack(
    wallet_postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WalletStack]:
    profile = load_profile(APP / "wallet-harness.toml")
    url = wallet_postgres.create_database(prefix="express_hostile")
    migrate_and_seed(url, profile)
    config = StackConfig(url, tmp_path_factory.mktemp("express-hostile"), profile=profile)
    with WalletStack(config) as running:
        yield running


def answered(response: httpx.Response, status: int, reason: str) -> None:
    assert response.status_code == status, response.text
    assert reason in response.text


def test_a_nul_in_a_path_id_or_a_login_is_a_400(stack: WalletStack) -> None:
    with httpx.Client(base_url=stack.web_url) as web:
        answered(web.get("/api/wallet/topups/cs_test_%00x", headers=TOKEN), 400, "NUL")
        answered(web.post("/login", data={"email": f"te{NUL}st", "password": "x"}), 400, "NUL")


def test_a_body_too_large_is_a_413_and_not_json_a_400(stack: WalletStack) -> None:
    with httpx.Client(base_url=stack.web_url) as web:
        big = web.post(
            "/api/wallet/topups",
            content=b"a" * 8_000_000,
            headers={**TOKEN, "content-type": "application/json"},
        )
        answered(big, 413, "too large")
        garbled = web.post(
            "/api/wallet/topups",
            content=b"{not json",
            headers={**TOKEN, "content-type": "application/json"},
        )
        assert garbled.status_code == 400, garbled.text


def test_a_refused_delivery_with_a_nul_in_its_id_is_kept_readably(stack: WalletStack) -> None:
    body = json.dumps({"id": f"evt_{NUL}forged", "object": "event"})
    with httpx.Client(base_url=stack.web_url) as web:
        refused = web.post(
            "/api/webhooks/stripe",
            content=body.encode(),
            headers={"stripe-signature": "t=1,v1=00", "content-type": "application/json"},
        )

    answered(refused, 400, "signature rejected")
    with stack.connect() as conn:
        kept = conn.execute("select event_id from webhook_rejections order by id desc").fetchone()
    assert kept == ("evt_\ufffdforged",)
