"""The simulation's organisations: M wallets, each with an API token for its top-ups.

Written into the app's database before the run, as a CI job seeds its test data; the ids and
tokens follow from the seed, so a replay uses the same ones.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg

NAMESPACE = uuid.UUID("6f1c8c1e-2b1e-4c55-9a0e-5a1d0b3c9e77")


@dataclass(frozen=True)
class SimOrg:
    number: int
    org_id: str
    token: str


def simulation_orgs(seed: int, count: int) -> list[SimOrg]:
    return [
        SimOrg(n, str(uuid.uuid5(NAMESPACE, f"{seed}:{n}")), f"wallet_sim_{seed}_{n}")
        for n in range(count)
    ]


def create_orgs(conn: psycopg.Connection[Any], orgs: list[SimOrg]) -> None:
    """Insert the organisations and their tokens (only the token's SHA-256 is stored)."""
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            "insert into organizations (id, name, email) values (%s, %s, %s)"
            " on conflict (id) do nothing",
            [
                (o.org_id, f"Simulated org {o.number}", f"sim{o.number}@{o.org_id}.test")
                for o in orgs
            ],
        )
        cur.executemany(
            "insert into api_tokens (token_sha256, org_id, label) values (%s, %s, 'simulation')"
            " on conflict (token_sha256) do nothing",
            [(hashlib.sha256(o.token.encode()).hexdigest(), o.org_id) for o in orgs],
        )
