"""The simulation's organisations: M wallets, each with an API token for its top-ups.

Where the app's profile says how to make one (``capabilities.create_org_sql``), they are
written into the app's database before the run, as a CI job seeds its test data; the ids and
tokens follow from the seed, so a replay uses the same ones. Without it, the simulation uses the
organisations of the profile's ``[accounts]`` that have an API token, and no more of them.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg

from harness.profile.model import AppProfile
from harness.profile.placeholders import sql_with_values

NAMESPACE = uuid.UUID("6f1c8c1e-2b1e-4c55-9a0e-5a1d0b3c9e77")


class TooFewOrgs(ValueError):
    """The profile cannot give the simulation as many organisations as asked."""


@dataclass(frozen=True)
class SimOrg:
    number: int
    org_id: str
    token: str


def simulation_orgs(seed: int, count: int, profile: AppProfile) -> list[SimOrg]:
    """The ``count`` organisations of a run with this seed (``TooFewOrgs`` when the profile
    can neither make them nor has that many accounts with a token)."""
    if profile.capabilities.create_org_sql:
        return [
            SimOrg(n, str(uuid.uuid5(NAMESPACE, f"{seed}:{n}")), f"wallet_sim_{seed}_{n}")
            for n in range(count)
        ]
    tokens: dict[str, str] = {}
    for account in profile.accounts.values():
        if account.api_token is not None:
            tokens.setdefault(account.org_id, account.api_token)
    if len(tokens) < count:
        raise TooFewOrgs(
            f"{count} organisations asked for, but the app profile has no"
            f" capabilities.create_org_sql to make them and {len(tokens)} [accounts]"
            f" organisation(s) with an api_token: ask for --orgs {max(len(tokens), 1)}, or add"
            " capabilities.create_org_sql (docs/app-profile.md)"
        )
    return [SimOrg(n, org_id, token) for n, (org_id, token) in enumerate(tokens.items())][:count]


def create_orgs(conn: psycopg.Connection[Any], orgs: list[SimOrg], profile: AppProfile) -> None:
    """Make the organisations and their tokens with the profile's ``create_org_sql`` (nothing
    to do for organisations taken from its accounts)."""
    statements = profile.capabilities.create_org_sql
    if not statements:
        return
    with conn.transaction(), conn.cursor() as cur:
        for org in orgs:
            values = {
                "org_id": org.org_id,
                "org_name": f"Simulated org {org.number}",
                "org_email": f"sim{org.number}@{org.org_id}.test",
                "api_token": org.token,
                "api_token_sha256": hashlib.sha256(org.token.encode()).hexdigest(),
            }
            for statement in statements:
                query, params = sql_with_values(statement, values)
                cur.execute(query.encode(), params)
